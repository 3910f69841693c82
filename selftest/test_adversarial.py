"""Hostile submissions: the grader finishes, reports a clear status, and nothing else loses points.

Each case is a submission for exercise 06 (the atomic counter). "racy" is the counter without a
lock; "solution" is the reference answer; hostile code is added in front of or behind them.
"""

from __future__ import annotations

import shutil
import textwrap

import pytest

from grader import grading
from kata import catalogue, messages
from kata.messages import Status
from kata.runner import Limits, isolation

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

EX06 = catalogue.find("06")
SOLUTION = (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text()
RACY = (catalogue.MUTANTS / EX06.stem / "no_lock.py").read_text()

# Small limits keep the memory and thread bombs quick; the wall clock stays short for the loops.
SETTINGS = grading.Settings(timeout=8.0, limits=Limits(cpu_seconds=30, memory_bytes=1 * 2**30, file_bytes=8 * 2**20))

FORGE = """
import json, os, re, stat, glob
names = []
for path in glob.glob("tests/**/test_*.py", recursive=True):
    names += [(path, n) for n in re.findall(r"^def (test_\\w+)", open(path).read(), re.M)]
for fd in range(3, 256):
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            continue
        for path, name in names:
            os.write(fd, (json.dumps({"event": "test", "nodeid": f"{path}::{name}", "outcome": "passed", "message": ""}) + "\\n").encode())
    except OSError:
        pass
"""

#: Records a well-formed report never holds: each must be refused, none may crash the grader.
MALFORMED = [
    '{"event": "test", "nodeid": "NODE"}',  # no outcome
    '{"event": "test", "nodeid": "NODE", "outcome": "excellent"}',
    '{"event": "test", "nodeid": "NODE", "outcome": "passed", "duration": "long"}',
    '{"event": "test", "nodeid": 6, "outcome": "passed"}',
    '{"event": "test", "nodeid": "NODE", "outcome": "passed", "hidden": 1}',
    '{"event": "collected", "tests": "all of them"}',
    '{"event": "collected", "tests": [1, 2]}',
    '{"event": "collect-error", "nodeid": "NODE"}',
    '{"event": ["test"]}',
    '[1, 2, 3]',
    '"test"',
    '{"event": "test", "nodeid": "NODE", "outc',
    "[" * 3000,  # nested past what json can read (a longer line could tear the real records it is written between)
]

SCRIBBLE = f"""
import os, stat
for fd in range(3, 256):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            for line in {MALFORMED!r}:
                os.write(fd, (line.replace("NODE", "tests/test_{EX06.stem}.py::test_x") + "\\n").encode())
    except OSError:
        pass
"""

CASES = {
    # name: (source, expected status, what may be scored)
    "loops-forever": ("while True:\n    pass\n", Status.TIMEOUT, "zero"),
    "sleeps-past-the-limit": ("import time\ntime.sleep(3600)\n", Status.TIMEOUT, "zero"),
    "allocates-until-memory-runs-out": ("hog = []\nwhile True:\n    hog.append(bytearray(50_000_000))\n", Status.ERROR, "zero"),
    "starts-threads-without-bound": (
        "import threading\nwhile True:\n    threading.Thread(target=threading.Event().wait, daemon=True).start()\n",
        Status.ERROR,
        "zero",
    ),
    "prints-without-end": ("while True:\n    print('x' * 1_000_000)\n", Status.ERROR, "zero"),
    "os-exit-0-at-import": ("import os\nos._exit(0)\n", Status.ERROR, "zero"),
    "sys-exit-0-at-import": ("import sys\nsys.exit(0)\n", Status.ERROR, "zero"),
    "os-exit-0-mid-check": (
        SOLUTION + "\nimport os\n_original = Counter.increment\nCounter.increment = lambda self, n=1: os._exit(0)\n",
        None,
        "partial",
    ),
    "syntax-error": ("def broken(:\n", Status.ERROR, "zero"),
    "imports-a-missing-module": ("import no_such_module_anywhere\n", Status.ERROR, "zero"),
    "deadlocks": (
        SOLUTION.replace("        with self._lock:\n            self._value += n", "        with self._lock, self._lock:\n            self._value += n"),
        None,  # failed, or timeout when a loaded machine makes the bounded waits add up past the limit
        "partial",
    ),
    "leaves-a-thread-running": (SOLUTION + "\nthreading.Thread(target=threading.Event().wait).start()\n", Status.PASSED, "full"),
    "silences-pytest-fail": ("import pytest\npytest.fail = lambda *a, **k: None\n" + RACY, Status.FAILED, "partial"),
    "switches-off-tracing": (
        "import sys, threading\nsys.settrace = lambda f: None\nthreading.settrace = lambda f: None\n" + RACY,
        Status.FAILED,
        "partial",
    ),
    "overwrites-the-checks": (
        "import glob\nfor path in glob.glob('tests/**/*.py', recursive=True):\n    try:\n        open(path, 'w').write('def test_ok():\\n    pass\\n')\n"
        "    except OSError:\n        pass  # refused where the run has a uid of its own\n" + RACY,
        Status.FAILED,
        "partial",
    ),
    "forges-passing-results": (FORGE + RACY, Status.ERROR, "zero"),
    "writes-malformed-records": (SCRIBBLE + SOLUTION, Status.PASSED, "full"),
    "reads-the-hidden-checks": (
        "import glob, os\nroots = [f'/proc/{os.getppid()}/cwd', os.path.dirname(os.getcwd())]\n"
        "found = [open(p).read() for r in roots for p in glob.glob(r + '/**/test_*_hidden.py', recursive=True)]\n"
        "raise RuntimeError('hidden: ' + ''.join(found)[:3000])\n",
        Status.ERROR,
        "zero",
    ),
}


def grade(tmp_path, source: str) -> grading.ExerciseResult:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / f"{EX06.stem}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return grading.grade_submission(folder, [EX06], SETTINGS).exercises[0]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_submission_is_graded_and_contained(tmp_path, case):
    source, status, scored = CASES[case]
    result = grade(tmp_path, source)
    described = [(t.name, t.status, t.message[:200]) for t in result.tests]
    if status is not None:
        assert result.status == status, described
    assert result.tests, "every expected check has a result"
    assert all(t.message or t.status == Status.PASSED for t in result.tests), described
    if scored == "zero":
        assert result.score == 0.0, described
    elif scored == "partial":
        assert result.score < result.max_score, described
    else:
        assert result.score == result.max_score, described


def test_hidden_checks_never_reach_a_learner_readable_message(tmp_path):
    source, _, _ = CASES["reads-the-hidden-checks"]
    result = grade(tmp_path, source)
    hidden_names = [t.name for t in result.tests if t.hidden]
    assert hidden_names, "exercise 06 has hidden checks"
    if isolation.mode()[0]:  # a uid of its own: the public run reads no hidden check at all, so it has nothing to quote
        assert any(t.message.rstrip().endswith("RuntimeError: hidden:") for t in result.tests if not t.hidden), "it found nothing to print"
    else:
        assert any(messages.WITHHELD in t.message for t in result.tests), "the quoting message was withheld"
    for check in result.tests:
        for name in hidden_names:
            assert name not in check.message, f"{check.name}'s message names hidden check {name}"


@pytest.mark.timeout(300)
def test_hostile_neighbours_cost_nothing_to_others(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    shutil.copyfile(catalogue.SOLUTIONS / f"{EX06.stem}.py", good / f"{EX06.stem}.py")
    shutil.copyfile(catalogue.SOLUTIONS / "ex01_start_thread.py", good / "ex01_start_thread.py")
    folders = [good]
    for case in ("loops-forever", "forges-passing-results", "os-exit-0-at-import"):
        folder = tmp_path / case
        folder.mkdir()
        (folder / f"{EX06.stem}.py").write_text(CASES[case][0], encoding="utf-8")
        shutil.copyfile(catalogue.SOLUTIONS / "ex01_start_thread.py", folder / "ex01_start_thread.py")
        folders.append(folder)
    results = grading.grade_many(folders, [catalogue.find("01"), EX06], SETTINGS, jobs=2)
    by_name = {r.submission: r for r in results}
    assert by_name["good"].score == by_name["good"].max_score
    for case in ("loops-forever", "forges-passing-results", "os-exit-0-at-import"):
        exercises = {e.id: e for e in by_name[case].exercises}
        assert exercises["01"].status == Status.PASSED, case
        assert exercises["06"].score == 0.0, case


def test_report_records_survive_encoding_and_bad_ones_are_refused():
    from kata.runner.protocol import (
        CheckReport,
        Collected,
        CollectError,
        decode,
        encode,
    )

    for record in (Collected(("a::b", "a::c")), CollectError("a", "boom"), CheckReport("a::b", Status.FAILED, "told", 0.5, True, "counts")):
        assert decode(encode(record)) == record
    assert decode('{"event": "test", "nodeid": "a::b", "outcome": "skipped"}') == CheckReport("a::b", Status.SKIPPED)
    for line in MALFORMED:
        assert decode(line.replace("NODE", "a::b")) is None, line
