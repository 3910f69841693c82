"""Turn a submission folder into scores: find each exercise file, run its checks, score them.

Each exercise runs in a child process of its own (its own process group, a wall-clock limit,
killed whole at the end), so a deadlocked, spinning or exiting exercise costs only its own
points. A check counts only when the child reported it as passed; "the process exited 0" is
never a pass, and the grader knows which checks it collected, so a run that dies early scores
the checks it never reported as not passed.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kata import catalogue, messages
from kata.runner import Run, check_name, run_checks

#: Points per exercise; one place to change the weights.
WEIGHTS: dict[str, float] = {}
DEFAULT_WEIGHT = 10.0

#: Seconds one exercise's checks may take in the grader before the run is killed.
DEFAULT_TIMEOUT = 60.0


@dataclass
class CheckResult:
    name: str
    status: str
    message: str = ""


@dataclass
class ExerciseResult:
    id: str
    stem: str
    status: str
    score: float
    max_score: float
    tests: list[CheckResult] = field(default_factory=list)


@dataclass
class SubmissionResult:
    submission: str
    score: float
    max_score: float
    exercises: list[ExerciseResult]

    def to_json(self) -> dict:
        return asdict(self)


def weight(exercise: catalogue.Exercise) -> float:
    return WEIGHTS.get(exercise.number, DEFAULT_WEIGHT)


def find_file(submission: Path, exercise: catalogue.Exercise) -> Path | None:
    """The submission's file for ``exercise``: directly inside, or under ``exercises/``."""
    for candidate in (submission / f"{exercise.stem}.py", submission / "exercises" / f"{exercise.stem}.py"):
        if candidate.is_file():
            return candidate
    return None


def grade_exercise(submission: Path, exercise: catalogue.Exercise, timeout: float = DEFAULT_TIMEOUT) -> ExerciseResult:
    """Run one exercise's checks on a scratch copy of the submission's file."""
    max_score = weight(exercise)
    source = find_file(submission, exercise)
    if source is None:
        return ExerciseResult(exercise.number, exercise.stem, messages.MISSING, 0.0, max_score)
    with tempfile.TemporaryDirectory(prefix="threadkata-grade-") as scratch:
        shutil.copyfile(source, Path(scratch) / f"{exercise.stem}.py")
        run = run_checks(exercise, Path(scratch), timeout=timeout)
    return score_run(exercise, run, max_score)


def score_run(exercise: catalogue.Exercise, run: Run, max_score: float) -> ExerciseResult:
    """Score what a child run reported; checks it never reported did not pass."""
    if run.timed_out:
        unreported, why = messages.TIMEOUT, f"the exercise's checks were stopped after {run.seconds:.0f} s"
    else:
        unreported, why = messages.ERROR, f"the check process exited with code {run.returncode}"
    tests = []
    for nodeid in run.collected:
        record = run.tests.get(nodeid)
        if record is None:
            tests.append(CheckResult(check_name(nodeid), unreported, messages.CHECK_NOT_RUN.format(why=why)))
        else:
            status = messages.PASSED if record["outcome"] == "passed" else messages.ERROR if record["outcome"] == "error" else messages.FAILED
            tests.append(CheckResult(check_name(nodeid), status, record["message"]))
    passed = sum(t.status == messages.PASSED for t in tests)
    if not tests:
        detail = "\n".join(run.collect_errors) or run.output[-2000:]
        tests = [CheckResult("collection", unreported, f"no check could run ({why}).\n{detail}".strip())]
        status = unreported
    elif passed == len(tests):
        status = messages.PASSED
    elif run.timed_out:
        status = messages.TIMEOUT
    elif all(t.status == messages.ERROR for t in tests):
        status = messages.ERROR
    else:
        status = messages.FAILED
    score = round(max_score * passed / len(tests), 2) if tests else 0.0
    return ExerciseResult(exercise.number, exercise.stem, status, score, max_score, tests)


def grade_submission(submission: Path, exercises: list[catalogue.Exercise], timeout: float = DEFAULT_TIMEOUT) -> SubmissionResult:
    results = [grade_exercise(submission, exercise, timeout) for exercise in exercises]
    return SubmissionResult(
        submission=submission.name,
        score=round(sum(r.score for r in results), 2),
        max_score=sum(r.max_score for r in results),
        exercises=results,
    )
