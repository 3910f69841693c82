"""The grader scores correct work fully and survives submissions that hang, exit or break."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from grader import grading
from kata import catalogue
from kata.messages import Status

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

EX06 = catalogue.find("06")


def submission(tmp_path, name: str, source: str, nested: bool = False):
    folder = tmp_path / name / ("exercises" if nested else "")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{EX06.stem}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return tmp_path / name


def grade06(folder, timeout: float = 20.0) -> grading.ExerciseResult:
    return grading.grade_submission(folder, [EX06], grading.Settings(timeout=timeout)).exercises[0]


@pytest.mark.timeout(900)
def test_solutions_score_full_marks_and_raise_no_flag():
    result = grading.grade_many([catalogue.SOLUTIONS], catalogue.all_exercises(), jobs=2)[0]
    failing = [(e.id, e.status, [t.message[:300] for t in e.tests if t.status != Status.PASSED]) for e in result.exercises if e.status != Status.PASSED]
    assert not failing
    assert result.score == result.max_score > 0
    assert {e.id: e.flags for e in result.exercises if e.flags} == {}, "neither the screen nor a tripwire flags a reference solution"


def test_files_under_an_exercises_folder_are_found(tmp_path):
    folder = submission(tmp_path, "nested", (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text(), nested=True)
    result = grade06(folder)
    assert (result.status, result.score) == (Status.PASSED, result.max_score)


def test_missing_file_scores_zero_as_missing(tmp_path):
    (tmp_path / "empty").mkdir()
    result = grade06(tmp_path / "empty")
    assert (result.status, result.score, result.tests) == (Status.MISSING, 0.0, [])


def test_partial_credit_for_a_racy_counter(tmp_path):
    folder = submission(tmp_path, "racy", (catalogue.MUTANTS / EX06.stem / "no_lock.py").read_text())
    result = grade06(folder)
    assert result.status == Status.FAILED
    assert 0 < result.score < result.max_score
    failed = [t for t in result.tests if t.status == Status.FAILED]
    assert failed and all("thread" in t.message.lower() for t in failed)


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("while True:\n    pass\n", Status.TIMEOUT),
        ("import os\nos._exit(0)\n", Status.ERROR),
        ("import sys\nsys.exit(0)\n", Status.ERROR),
        ("def broken(:\n", Status.ERROR),
    ],
    ids=["spins-at-import", "os-exit-0", "sys-exit-0", "syntax-error"],
)
def test_hostile_submission_costs_only_its_own_points(tmp_path, source, status):
    result = grade06(submission(tmp_path, "hostile", source), timeout=5.0)
    assert result.status == status, [t.message for t in result.tests]
    assert result.score == 0.0
    assert result.tests and all(t.status != Status.PASSED for t in result.tests)


def test_thread_left_running_at_import_does_not_stall_grading(tmp_path):
    source = (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text()
    source += "\nthreading.Thread(target=threading.Event().wait, name='forever').start()\n"
    result = grade06(submission(tmp_path, "leftover", source), timeout=20.0)
    assert result.status == Status.PASSED, [t.message for t in result.tests]


@pytest.mark.timeout(120)
def test_deadlocking_exercise_fails_within_bounds_and_others_still_score(tmp_path):
    folder = submission(
        tmp_path,
        "deadlock",
        """
        import threading

        class Counter:
            def __init__(self, start=0):
                self._value = start
                self._lock = threading.Lock()

            def increment(self, n=1):
                with self._lock:
                    with self._lock:  # taken twice: blocks forever
                        self._value += n
                        return self._value

            decrement = increment

            @property
            def value(self):
                return self._value
        """,
    )
    shutil.copyfile(catalogue.SOLUTIONS / "ex01_start_thread.py", folder / "ex01_start_thread.py")
    exercises = [catalogue.find("01"), EX06]
    result = grading.grade_submission(folder, exercises, grading.Settings(timeout=30))
    by_id = {e.id: e for e in result.exercises}
    assert by_id["01"].status == Status.PASSED
    assert by_id["06"].status in (Status.FAILED, Status.TIMEOUT) and by_id["06"].score < by_id["06"].max_score


def test_command_line_prints_a_table_and_writes_json(tmp_path):
    folder = submission(tmp_path, "alice", (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text())
    out = tmp_path / "grades.json"
    done = subprocess.run(
        [sys.executable, "-m", "grader", str(folder), "--exercises", "06", "--json", str(out)],
        cwd=catalogue.ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "alice" in done.stdout and "10/10" in done.stdout
    data = json.loads(out.read_text())
    (entry,) = data["submissions"]
    assert entry["submission"] == "alice" and entry["score"] == entry["max_score"] == 10
    (exercise,) = entry["exercises"]
    assert {"id", "stem", "status", "score", "max_score", "tests"} <= exercise.keys()
    assert exercise["status"] == "passed" and all({"name", "status", "message"} <= t.keys() for t in exercise["tests"])
