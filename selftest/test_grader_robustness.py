"""One submission sinks no one: whatever a submission holds or does, every other result is kept,
every report is written, and a broken grader environment is reported as the grader's.

Each attack of issue 12's "one submission sinks everyone" and symlink lists is here, on the
small exercises 01 and 06 (public checks only where the hidden ones add nothing to the point).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader import cli, grading, preflight
from kata import catalogue
from kata.messages import Status
from kata.runner import Limits, forkserver, isolation, run_checks
from kata.runner.files import remove_tree

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

EX01, EX06 = catalogue.find("01"), catalogue.find("06")
SOLUTION01 = (catalogue.SOLUTIONS / f"{EX01.stem}.py").read_text()
SETTINGS = grading.Settings(timeout=30.0, limits=Limits(cpu_seconds=30, memory_bytes=1 * 2**30, file_bytes=8 * 2**20), hidden=False)

DEEP_TREE = """
import os
fd = os.open("." if os.access(".", os.W_OK) else os.environ["HOME"], os.O_RDONLY)  # isolated, only its work folder is writable
for _ in range(3000):
    os.mkdir("d", dir_fd=fd)
    inner = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = inner
os.chmod(".", 0o000, dir_fd=fd)  # and the deepest folder made unreadable
"""

NO_OUTCOME = f"""
import json, os, stat
for fd in range(3, 256):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, (json.dumps({{"event": "test", "nodeid": "tests/test_{EX01.stem}.py::test_x"}}) + "\\n").encode())
    except OSError:
        pass
"""


def submission(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True)
    for stem, source in files.items():
        (folder / f"{stem}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


def run_grader(*args: str, python: str = sys.executable, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "grader", *args], cwd=catalogue.ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def test_a_record_without_an_outcome_is_refused_and_the_code_still_earns_its_marks(tmp_path):
    folder = submission(tmp_path / "scribbler", **{EX01.stem: NO_OUTCOME + SOLUTION01})
    [result] = grading.grade_submission(folder, [EX01], SETTINGS).exercises
    assert (result.status, result.score) == (Status.PASSED, result.max_score), [(t.name, t.message[:200]) for t in result.tests]


@pytest.mark.skipif(os.name != "posix", reason="the tree is made with descriptor-relative calls")
def test_a_3000_deep_unreadable_tree_in_the_run_folder_is_removed_and_costs_nothing(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    folder = submission(tmp_path / "digger", **{EX01.stem: DEEP_TREE + SOLUTION01})
    [result] = grading.grade_submission(folder, [EX01], SETTINGS).exercises
    assert (result.status, result.score) == (Status.PASSED, result.max_score), [(t.name, t.message[:200]) for t in result.tests]
    assert list(scratch.iterdir()) == [], "every scratch folder was removed"


def test_remove_tree_takes_deep_read_only_trees_and_never_follows_a_link(tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "precious").write_text("keep me")
    root = tmp_path / "tree"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(3000):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.symlink(kept, "link", dir_fd=fd)
    os.chmod(".", 0o500, dir_fd=fd)
    os.close(fd)
    remove_tree(root)
    assert not root.exists()
    assert (kept / "precious").read_text() == "keep me"
    remove_tree(tmp_path / "never-there")  # never raises


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs /proc")
def test_an_exercise_file_that_is_a_link_is_refused_with_a_message_and_never_followed(tmp_path):
    folder = tmp_path / "linker"
    folder.mkdir()
    os.symlink("/proc/self/mem", folder / f"{EX01.stem}.py")
    os.symlink(catalogue.SOLUTIONS / f"{EX06.stem}.py", folder / f"{EX06.stem}.py")
    results = {e.id: e for e in grading.grade_submission(folder, [EX01, EX06], SETTINGS).exercises}
    for number in ("01", "06"):
        exercise = results[number]
        assert (exercise.status, exercise.score) == (Status.ERROR, 0.0)
        [reason] = exercise.tests
        assert "is a link" in reason.message and "links are not graded" in reason.message, reason.message
    assert "/proc/self/mem" in results["01"].tests[0].message


def test_a_link_to_a_folder_on_the_way_is_refused_too(tmp_path):
    elsewhere = submission(tmp_path / "elsewhere", **{EX01.stem: SOLUTION01})
    folder = tmp_path / "linker"
    folder.mkdir()
    os.symlink(elsewhere, folder / "exercises")
    [result] = grading.grade_submission(folder, [EX01], SETTINGS).exercises
    assert result.status == Status.ERROR and "is a link" in result.tests[0].message


def test_an_oversized_exercise_file_is_refused_with_a_message(tmp_path):
    folder = submission(tmp_path / "big", **{EX01.stem: SOLUTION01 + "#" * grading.MAX_FILE_BYTES})
    [result] = grading.grade_submission(folder, [EX01], SETTINGS).exercises
    assert result.status == Status.ERROR and f"at most {grading.MAX_FILE_BYTES} bytes" in result.tests[0].message


def test_a_failure_inside_the_grader_is_that_pairs_error_and_costs_no_other_result(tmp_path, monkeypatch):
    real = grading.score_checks

    def fragile(run, expected, *rest):
        if any(EX06.stem in nodeid for nodeid in expected):
            raise KeyError("outcome")
        return real(run, expected, *rest)

    monkeypatch.setattr(grading, "score_checks", fragile)
    folders = [submission(tmp_path / name, **{EX01.stem: SOLUTION01, EX06.stem: "pass\n"}) for name in ("ann", "ben")]
    results = grading.grade_many(folders, [EX01, EX06], SETTINGS)
    for result in results:
        exercises = {e.id: e for e in result.exercises}
        assert exercises["01"].status == Status.PASSED
        assert exercises["06"].status == Status.ERROR and "KeyError" in exercises["06"].tests[0].message


def test_surrogates_nul_bytes_odd_and_long_names_and_two_bobs_cost_no_report(tmp_path):
    hostile = submission(tmp_path / "class" / "aaa-hostile", **{EX01.stem: 'raise RuntimeError("lone \\ud800 surrogate and a \\x00 byte")\n'})
    odd = os.path.join(os.fsencode(tmp_path / "class"), b"caf\xff-\xfe")
    os.mkdir(odd)
    shutil.copyfile(catalogue.SOLUTIONS / f"{EX01.stem}.py", os.path.join(odd, os.fsencode(f"{EX01.stem}.py")))
    long = submission(tmp_path / "class" / ("l" * 250), **{EX01.stem: SOLUTION01})
    bob = submission(tmp_path / "a" / "bob", **{EX01.stem: SOLUTION01})
    other_bob = submission(tmp_path / "b" / "bob", **{EX01.stem: "pass\n"})
    folders = [str(hostile), os.fsdecode(odd), str(long), str(bob), str(other_bob)]
    out = tmp_path / "out"
    reports = ["--out", str(out / "all"), "--json", str(out / "g.json"), "--csv", str(out / "g.csv"), "--junit", str(out / "j.xml")]
    reports += ["--exercism", str(out / "ex"), "--prairielearn", str(out / "pl")]
    out.mkdir()
    done = run_grader(*folders, "--exercises", "01", "--public-only", "--no-preflight", *reports)
    assert done.returncode == cli.GRADED, done.stderr
    graded = {s["submission"]: s for s in json.loads((out / "g.json").read_text())["submissions"]}
    assert set(graded) == {"aaa-hostile", "caf\\xff-\\xfe", "l" * 250, "bob", "bob-2"}
    assert graded["bob"]["score"] == 10 and graded["bob-2"]["score"] == 0
    assert "\\ud800" in graded["aaa-hostile"]["exercises"][0]["tests"][0]["message"]
    for where in (out / "all" / "feedback", out / "all" / "gradescope", out / "ex", out / "pl"):
        names = sorted(p.name for p in where.iterdir())
        assert len(names) == 5, (where, names)
        assert all(len(os.fsencode(n)) <= grading.MAX_NAME_BYTES for n in names), names
    assert {"bob.md", "bob-2.md"} <= {p.name for p in (out / "all" / "feedback").iterdir()}
    assert "Score: 0 / 10" in (out / "all" / "feedback" / "bob-2.md").read_text()


def test_safe_file_names_are_capped_escaped_and_never_hidden():
    assert grading.safe_file_name("../etc/passwd") == "___etc_passwd"
    assert grading.safe_file_name(".bashrc") == "_bashrc"
    assert grading.safe_file_name("..") == "__"
    assert grading.safe_file_name("a\x00b") == "a_x00b"
    assert grading.safe_file_name("") == "submission"
    assert len(grading.safe_file_name("é" * 300).encode()) <= grading.MAX_NAME_BYTES


def test_an_output_folder_that_does_not_exist_is_refused_before_grading(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(grading, "grade_many", lambda *a, **k: pytest.fail("grading started"))
    monkeypatch.setattr(preflight, "check", lambda *a, **k: pytest.fail("preflight started"))
    (tmp_path / "alice").mkdir()
    with pytest.raises(SystemExit) as stopped:
        cli.main([str(tmp_path / "alice"), "--json", str(tmp_path / "no" / "such" / "g.json")])
    assert stopped.value.code == cli.USAGE and "does not exist" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc").is_dir() or os.name != "posix", reason="finds the grader's children through /proc")
def test_a_killed_grader_leaves_the_submissions_it_finished_in_the_json(tmp_path):
    first = submission(tmp_path / "first", **{EX01.stem: SOLUTION01})
    second = submission(tmp_path / "second", **{EX01.stem: "import time\ntime.sleep(60)\n"})
    out = tmp_path / "g.json"
    args = [sys.executable, "-m", "grader", str(first), str(second), "--exercises", "01", "--public-only", "--no-preflight", "--json", str(out)]
    grader = subprocess.Popen(args, cwd=catalogue.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 45
        while not out.exists() and time.monotonic() < deadline and grader.poll() is None:
            time.sleep(0.1)
        assert out.exists(), "the JSON is written after the first submission"
    finally:
        children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == grader.pid]
        grader.kill()
        grader.wait()
        for child in children:  # the run of the second submission leads its own process group
            try:
                os.killpg(child, signal.SIGKILL)
            except OSError:
                pass
    [finished] = json.loads(out.read_text())["submissions"]
    assert (finished["submission"], finished["score"]) == ("first", 10)


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def test_pytest_missing_is_the_graders_failure_exit_3_not_the_students(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    folder = submission(tmp_path / "alice", **{EX01.stem: SOLUTION01})
    done = run_grader(str(folder), "--exercises", "01", "--json", str(tmp_path / "g.json"), python=str(python))
    assert done.returncode == cli.PREFLIGHT, done.stderr
    assert "pytest cannot be imported" in done.stderr and "no submission was graded" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "g.json").exists()


def test_preflight_stops_when_a_reference_solution_does_not_pass(tmp_path):
    broken = submission(tmp_path / "solutions", **{EX01.stem: "pass\n"})
    problems = preflight.check([EX01], SETTINGS, solutions=broken)
    assert len(problems) == 1 and "reference solution of exercise 01 scores 0 of 10" in problems[0], problems


def test_preflight_passes_on_the_kata_and_grading_the_solutions_gives_full_marks(tmp_path):
    done = run_grader(str(catalogue.SOLUTIONS), "--exercises", "01", "06", "--public-only", "--json", str(tmp_path / "g.json"))
    assert done.returncode == cli.GRADED, done.stderr
    [result] = json.loads((tmp_path / "g.json").read_text())["submissions"]
    assert result["score"] == result["max_score"] == 20


@pytest.mark.skipif(os.name != "posix", reason="lowers a resource limit with the resource module")
def test_a_limit_this_system_refuses_is_skipped_and_preflight_says_so_once():
    probe = "from grader import grading, preflight; print(preflight.sandbox_problem(grading.Settings()))"
    hard = grading.DEFAULT_LIMITS.memory_bytes // 2  # the sandbox cannot raise RLIMIT_AS above this: as on macOS, setrlimit refuses

    def lower_the_ceiling() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, cwd=catalogue.ROOT, capture_output=True, text=True, timeout=60, check=False, preexec_fn=lower_the_ceiling)
    assert done.stdout.strip() == "None", done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("grader: note:")]
    assert len(notes) == 1 and "mem" in notes[0], done.stderr


@pytest.mark.skipif(not forkserver.available(), reason="the fork server runs on Linux only")
def test_a_run_forked_from_the_warm_server_reports_what_a_spawned_run_reports(tmp_path):
    submission(tmp_path / "target", **{EX01.stem: SOLUTION01})
    forked, spawned = (run_checks(EX01, tmp_path / "target", forked=way, limits=grading.DEFAULT_LIMITS) for way in (True, False))
    assert forked.collected == spawned.collected and forked.collected
    assert {n: r.outcome for n, r in forked.tests.items()} == {n: r.outcome for n, r in spawned.tests.items()}
    assert forked.returncode == spawned.returncode == 0


def test_where_fork_is_unavailable_the_grader_spawns_each_run_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(forkserver, "available", lambda: False)
    folder = submission(tmp_path / "plain", **{EX01.stem: SOLUTION01})
    [result] = grading.grade_submission(folder, [EX01], SETTINGS).exercises
    assert (result.status, result.score) == (Status.PASSED, result.max_score), [(t.name, t.message[:200]) for t in result.tests]


def test_not_running_as_root_the_grader_says_once_that_its_runs_are_not_isolated(monkeypatch, capsys):
    monkeypatch.setattr(isolation, "_mode", None)
    monkeypatch.setattr(isolation, "_said", set())
    monkeypatch.setattr(isolation, "wanted", lambda: False)
    assert isolation.mode() == isolation.mode() == (False, False)
    notes = [line for line in capsys.readouterr().err.splitlines() if "not isolated at the OS level" in line]
    assert len(notes) == 1 and "hidden checks" in notes[0], notes
