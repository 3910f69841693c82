"""OS isolation of the grader's runs when it runs as root: each hostile submission is shut in by uid.

Each probe is a submission for exercise 01 whose import does the hostile thing, records what
happened and raises it (so it comes back as the checks' message); the test reads that message.
Skipped unless the grader runs as root on Linux, where the runs get a uid of their own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from grader import grading
from kata import catalogue, settings
from kata.messages import Status
from kata.runner import isolation

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = [
    pytest.mark.tooling,
    pytest.mark.skipif(not isolation.wanted(), reason="the runs get a uid of their own only when the grader runs as root on Linux"),
]

EX01 = catalogue.find("01")
EX06 = catalogue.find("06")
PUBLIC_ONLY = grading.Settings(timeout=20.0, hidden=False)

#: Each attempt's outcome, raised at import: ``FOUND {json}``.
PROBE = """
import json, os, resource, signal
found = {{}}
def attempt(name, action):
    try:
        found[name] = "ok: " + repr(action())[:200]
    except BaseException as why:
        found[name] = type(why).__name__
parent, grader = os.getppid(), {grader}  # the process that started the run, and the grader itself
found["uid"] = os.getuid()
attempt("proc cwd", lambda: os.listdir(f"/proc/{{grader}}/cwd/tests/hidden"))
attempt("proc fd", lambda: os.listdir(f"/proc/{{grader}}/fd"))
attempt("parent cwd", lambda: os.listdir(f"/proc/{{parent}}/cwd"))
attempt("parent fd", lambda: os.listdir(f"/proc/{{parent}}/fd"))
attempt("checkout", lambda: os.listdir({hidden!r}))
attempt("write kata", lambda: open({plugin!r}, "a").close())
attempt("new file in kata", lambda: open({probe!r}, "x").close())
attempt("kill grader", lambda: os.kill(grader, 0))
attempt("kill parent", lambda: os.kill(parent, 0))
attempt("prlimit grader", lambda: resource.prlimit(grader, resource.RLIMIT_NOFILE))
attempt("snapshot", lambda: [p for p in os.listdir("/tmp") if p.startswith("threadkata-checks-")])
raise RuntimeError("FOUND " + json.dumps(found) + " END")
"""


def grade(tmp_path, source: str, exercise=EX01, options=PUBLIC_ONLY) -> grading.ExerciseResult:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / f"{exercise.stem}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return grading.grade_submission(folder, [exercise], options).exercises[0]


def found(result: grading.ExerciseResult) -> dict:
    text = next(t.message for t in result.tests if "FOUND " in t.message)
    return json.loads(text.split("FOUND ", 1)[1].split(" END", 1)[0].replace("\\'", "'"))


def no_process_of_a_slot_is_left() -> list[int]:
    return [pid for slot in range(2) for pid in isolation.processes_of(isolation.slot_uid(slot))[0]]


@pytest.fixture(scope="module")
def probed(tmp_path_factory) -> dict:
    plugin = catalogue.ROOT / "kata" / "runner" / "report_plugin.py"
    before = plugin.stat().st_mtime_ns
    probe = catalogue.ROOT / "kata" / "isolation_probe.py"
    source = PROBE.format(grader=os.getpid(), hidden=str(catalogue.TESTS / "hidden"), plugin=str(plugin), probe=str(probe))
    result = found(grade(tmp_path_factory.mktemp("probe"), source))
    assert plugin.stat().st_mtime_ns == before
    assert not probe.exists()
    return result


def test_learner_code_runs_as_the_slots_own_uid(probed):
    assert probed["uid"] == isolation.slot_uid(0)


def test_the_graders_proc_cwd_and_fd_are_unreadable(probed):
    for process in ("proc", "parent"):
        assert probed[f"{process} cwd"] == "PermissionError", probed
        assert probed[f"{process} fd"] == "PermissionError", probed


def test_the_checkout_and_the_graders_snapshot_are_out_of_sight(probed):
    if isolation.mode()[1]:
        assert probed["checkout"] in ("FileNotFoundError", "PermissionError"), probed  # covered by an empty folder
        assert probed["snapshot"] == "ok: []", probed  # /tmp is the run's own
    assert not probed["snapshot"].startswith("ok: ['"), probed


def test_the_checkouts_package_cannot_be_written(probed):
    assert probed["write kata"] in ("PermissionError", "FileNotFoundError", "OSError"), probed
    assert probed["new file in kata"] in ("PermissionError", "FileNotFoundError", "OSError"), probed


def test_the_grader_can_be_neither_signalled_nor_prlimited(probed):
    assert probed["kill grader"] == probed["kill parent"] == "PermissionError", probed
    assert probed["prlimit grader"] == "PermissionError", probed


ESCAPE = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(1.5)
        for path in PATHS:
            try:
                open(path, "w").write("rewritten by an escapee")
            except OSError:
                pass
        os._exit(0)
    os._exit(0)
time.sleep(0.2)
""" + (catalogue.SOLUTIONS / f"{EX01.stem}.py").read_text()


@pytest.mark.timeout(120)
def test_a_double_forked_setsid_escapee_is_dead_after_its_run_and_rewrites_nothing(tmp_path):
    folder = tmp_path / "escapee"
    folder.mkdir()
    out = tmp_path / "grades.json"
    witness = tmp_path / "witness.txt"
    witness.write_text("untouched")
    os.chmod(tmp_path, 0o755)
    os.chmod(witness, 0o666)  # only the escapee's death keeps it as it is
    (folder / f"{EX01.stem}.py").write_text(ESCAPE.replace("PATHS", repr([str(out), str(witness), str(folder / f"{EX01.stem}.py")])))
    command = [sys.executable, "-m", "grader", str(folder), "--exercises", "01", "--public-only", "--json", str(out), "--no-preflight"]
    done = subprocess.run(command, cwd=catalogue.ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    graded = out.read_text()
    assert no_process_of_a_slot_is_left() == []
    time.sleep(2.0)  # past the escapee's wake-up
    assert out.read_text() == graded
    assert witness.read_text() == "untouched"
    assert json.loads(graded)["submissions"][0]["score"] == 10


FORK_BOMB = """
import os, time
forks = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        forks += 1
except OSError as why:
    raise RuntimeError('FOUND {"forks": %d, "why": "%s"} END' % (forks, type(why).__name__))
"""


@pytest.mark.timeout(120)
def test_a_fork_bomb_stops_at_the_process_limit_and_dies_with_its_run(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "GRADER_NPROC", 64)
    result = found(grade(tmp_path, FORK_BOMB))
    assert result["why"] == "BlockingIOError" and result["forks"] < 64, result
    assert no_process_of_a_slot_is_left() == []


DISK_FILLER = """
import os
written = 0
where = [os.environ["HOME"], "/tmp", "/dev/shm"]
try:
    for number in range(10_000):
        with open(os.path.join(where[number % 3], f"filler{number}"), "wb") as out:
            out.write(b"x" * 2**20)
        written += 2**20
except OSError as why:
    raise RuntimeError('FOUND {"written": %d, "why": "%s"} END' % (written, type(why).__name__))
raise RuntimeError('FOUND {"written": %d, "why": "none"} END' % written)
"""


@pytest.mark.timeout(120)
def test_a_disk_filler_is_stopped_at_the_runs_total_disk_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "GRADER_DISK_BYTES", 16 * 2**20)
    result = grade(tmp_path, DISK_FILLER)
    if isolation.mode()[1]:
        assert found(result)["written"] <= 16 * 2**20, found(result)  # its tmpfs is full
    else:
        assert all(t.status != Status.PASSED for t in result.tests)  # the watchdog stopped it
    leftovers = [p for d in isolation.SHARED_TMP if os.path.isdir(d) for p in os.listdir(d) if p.startswith("filler")]
    assert leftovers == []


NEIGHBOUR = """
import glob, os, signal, time
deadline = time.monotonic() + 4
while time.monotonic() < deadline:
    try:
        os.kill(-1, signal.SIGKILL)  # every process this uid may signal
    except OSError:
        pass
    for path in glob.glob("/tmp/threadkata-*/**/*.py", recursive=True):
        try:
            open(path, "w").write("def test_ok():\\n    pass\\n")
        except OSError:
            pass
    time.sleep(0.01)
"""


@pytest.mark.timeout(300)
def test_with_two_jobs_a_hostile_neighbour_costs_the_correct_one_nothing(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    for folder, source in ((good, (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text()), (bad, NEIGHBOUR)):
        folder.mkdir()
        (folder / f"{EX06.stem}.py").write_text(source)
    results = {r.submission: r for r in grading.grade_many([bad, good], [EX06], grading.Settings(timeout=30.0), jobs=2)}
    assert results["good"].score == results["good"].max_score == 10, [(t.name, t.message[:200]) for t in results["good"].exercises[0].tests]
    assert results["bad"].score == 0
    assert no_process_of_a_slot_is_left() == []


def test_reference_solutions_score_full_marks_under_isolation(tmp_path):
    shutil.copyfile(catalogue.SOLUTIONS / f"{EX06.stem}.py", tmp_path / f"{EX06.stem}.py")
    result = grading.grade_submission(tmp_path, [EX06], grading.Settings(timeout=30.0))
    assert result.score == result.max_score, [(t.name, t.message[:200]) for t in result.exercises[0].tests]
