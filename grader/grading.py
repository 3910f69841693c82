"""Turn submission folders into scores: find each exercise file, run its checks, score them.

Each (submission, exercise) runs in a child process of its own: a scratch copy of the file and
of the checks, its own process group, a wall-clock limit, CPU, memory and file-size limits, and
the whole group killed at the end. A check scores only when the child reported it passed; the
grader collects the expected checks itself, without learner code, so a run that exits early,
crashes or forges nothing-at-all scores every unreported check as not passed.
"""

from __future__ import annotations

import ast
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from kata import catalogue, messages
from kata.messages import Status
from kata.runner import (
    HIDDEN,
    PUBLIC,
    Limits,
    Run,
    check_name,
    expected_checks,
    run_checks,
)

#: Seconds one exercise's checks may take before the run is killed.
DEFAULT_TIMEOUT = 60.0

#: Default limits for one exercise's run. Address space also caps how many threads can start.
DEFAULT_LIMITS = Limits(cpu_seconds=120, memory_bytes=4 * 2**30, file_bytes=64 * 2**20)


@dataclass
class CheckResult:
    name: str
    status: Status
    message: str = ""
    hidden: bool = False
    detail: str = ""  # for a hidden check: the full message, for the instructor only


@dataclass
class ExerciseResult:
    id: str
    stem: str
    status: Status
    score: float
    max_score: float
    tests: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class SubmissionResult:
    submission: str
    score: float
    max_score: float
    exercises: list[ExerciseResult]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SubmissionResult:
        exercises = [
            ExerciseResult(**{**e, "status": Status(e["status"]), "tests": [CheckResult(**{**t, "status": Status(t["status"])}) for t in e["tests"]]})
            for e in data["exercises"]
        ]
        return cls(data["submission"], data["score"], data["max_score"], exercises)


@dataclass(frozen=True)
class Settings:
    timeout: float = DEFAULT_TIMEOUT
    limits: Limits = DEFAULT_LIMITS
    hidden: bool = True


def weight(exercise: catalogue.Exercise) -> float:
    """The exercise's points: its row's weight in the catalogue, the one place to change them."""
    return exercise.weight


def find_file(submission: Path, exercise: catalogue.Exercise) -> Path | None:
    """The submission's file for ``exercise``: directly inside, or under ``exercises/``."""
    for candidate in (submission / f"{exercise.stem}.py", submission / "exercises" / f"{exercise.stem}.py"):
        if candidate.is_file():
            return candidate
    return None


def grade_exercise(submission: Path, exercise: catalogue.Exercise, settings: Settings = Settings()) -> ExerciseResult:
    """Run one exercise's checks on a scratch copy of the submission's file.

    Public and hidden checks run in separate children: the public run's folder holds no hidden
    check, so nothing the submission prints or raises there can carry one out, and the hidden
    run's messages are reduced to the behaviour that failed.
    """
    max_score = weight(exercise)
    source = find_file(submission, exercise)
    if source is None:
        return ExerciseResult(exercise.number, exercise.stem, Status.MISSING, 0.0, max_score)
    parts = [PUBLIC] + ([HIDDEN] if settings.hidden and exercise.hidden_file.is_file() else [])
    tests: list[CheckResult] = []
    timed_out, seconds = False, 0.0
    with tempfile.TemporaryDirectory(prefix="threadkata-grade-") as scratch:
        for which in parts:
            target = Path(scratch) / which
            target.mkdir()
            shutil.copyfile(source, target / f"{exercise.stem}.py")
            run = run_checks(exercise, target, timeout=settings.timeout, which=which, limits=settings.limits)
            tests += score_checks(run, expected_checks(exercise, which), hidden_secrets(exercise))
            timed_out, seconds = timed_out or run.timed_out, seconds + run.seconds
    return finish(exercise, tests, max_score, timed_out, seconds)


@lru_cache(maxsize=None)
def hidden_secrets(exercise: catalogue.Exercise) -> tuple[str, ...]:
    """Text that would give a hidden check away: its function names and its longer source lines."""
    if not exercise.hidden_file.is_file():
        return ()
    source = exercise.hidden_file.read_text(encoding="utf-8")
    names = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    lines = [line.strip() for line in source.splitlines() if len(line.strip()) >= 30 and not line.strip().startswith(("#", '"""', "from ", "import "))]
    return tuple(names + lines)


def score_checks(run: Run, expected: tuple[str, ...], secrets: tuple[str, ...] = ()) -> list[CheckResult]:
    """One result per expected check; a check the run never reported did not pass."""
    if run.timed_out:
        unreported, why = Status.TIMEOUT, f"the exercise's checks were stopped after {run.seconds:.0f} s"
    else:
        unreported, why = Status.ERROR, f"the check process exited with code {run.returncode}"
    if run.tampered:
        return [CheckResult(check_name(n), Status.ERROR, messages.TAMPERED.format(why=run.tampered), "/hidden/" in n) for n in expected]
    tests = []
    for nodeid in expected:
        record = run.tests.get(nodeid)
        hidden = "/hidden/" in nodeid
        if record is None:
            detail = "\n".join(run.collect_errors)[-2000:]
            tests.append(CheckResult(check_name(nodeid), unreported, messages.CHECK_NOT_RUN.format(why=why), hidden, detail))
            continue
        status = record.outcome if record.outcome in (Status.PASSED, Status.ERROR) else Status.FAILED  # a skipped check does not score
        message = record.message
        if any(secret in message for secret in secrets):
            message = messages.WITHHELD
        if hidden and status != Status.PASSED:
            tests.append(CheckResult(check_name(nodeid), status, messages.HIDDEN_FAILED.format(behaviour=record.behaviour), True, message))
        else:
            tests.append(CheckResult(check_name(nodeid), status, message, hidden))
    return tests


def finish(exercise: catalogue.Exercise, tests: list[CheckResult], max_score: float, timed_out: bool, seconds: float) -> ExerciseResult:
    """The exercise's status and score from its checks' results."""
    passed = sum(t.status == Status.PASSED for t in tests)
    if tests and passed == len(tests):
        status = Status.PASSED
    elif timed_out:
        status = Status.TIMEOUT
    elif not tests or all(t.status == Status.ERROR for t in tests):
        status = Status.ERROR
    else:
        status = Status.FAILED
    score = round(max_score * passed / len(tests), 2) if tests else 0.0
    return ExerciseResult(exercise.number, exercise.stem, status, score, max_score, tests, round(seconds, 2))


def summarise(name: str, results: list[ExerciseResult]) -> SubmissionResult:
    return SubmissionResult(
        submission=name,
        score=round(sum(r.score for r in results), 2),
        max_score=sum(r.max_score for r in results),
        exercises=results,
    )


def grade_submission(submission: Path, exercises: list[catalogue.Exercise], settings: Settings = Settings()) -> SubmissionResult:
    return summarise(submission.name, [grade_exercise(submission, e, settings) for e in exercises])


def shard(submissions: list[Path], index: int, count: int) -> list[Path]:
    """The ``index``-th of ``count`` deterministic slices (1-based), by sorted folder name."""
    ordered = sorted(submissions, key=lambda p: (p.name, str(p)))
    return [p for i, p in enumerate(ordered) if i % count == index - 1]


def grade_many(
    submissions: list[Path],
    exercises: list[catalogue.Exercise],
    settings: Settings = Settings(),
    jobs: int = 1,
    progress: Callable[[int, int, float], None] | None = None,
) -> list[SubmissionResult]:
    """Grade every (submission, exercise) pair on ``jobs`` child processes at once; results in submission order."""
    for exercise in exercises:  # collect the expected checks once, before the pool starts
        expected_checks(exercise, PUBLIC)
        if settings.hidden:
            expected_checks(exercise, HIDDEN)
    started = time.monotonic()
    pairs = [(s, e) for s in submissions for e in exercises]
    done: dict[Path, list[ExerciseResult | None]] = {s: [None] * len(exercises) for s in submissions}
    finished = 0
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = {pool.submit(grade_exercise, s, e, settings): (s, i) for s, e in pairs for i in [exercises.index(e)]}
        for future in as_completed(futures):
            submission, index = futures[future]
            done[submission][index] = future.result()
            if all(r is not None for r in done[submission]):
                finished += 1
                if progress:
                    progress(finished, len(submissions), time.monotonic() - started)
    return [summarise(s.name, done[s]) for s in submissions]  # type: ignore[arg-type]


def print_progress(done: int, total: int, elapsed: float) -> None:
    """``graded 12/100 submissions, about 3 m 10 s left`` on stderr (one updating line on a terminal)."""
    left = elapsed / done * (total - done) if done else 0
    text = f"graded {done}/{total} submissions, about {int(left // 60)} m {int(left % 60)} s left"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + text + ("\n" if done == total else ""))
    else:
        sys.stderr.write(text + "\n")
    sys.stderr.flush()
