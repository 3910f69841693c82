"""Before any student is graded: is this grader's own environment sound?

:func:`check` runs, in order, and stops at the first kind of failure: pytest importable by the
interpreter the runs use; the sandbox works here (a tiny run under the limits); when the grader
runs as root, no process already runs under the job slots' uids (the grader kills every process
of those uids after each run, so they must be its own); each requested
exercise's checks collect; and, where ``solutions/`` exists, the reference solution of each
requested exercise scores full marks (public and hidden checks). A failure here is the
grader's, not a student's: the command line stops before grading and exits with status 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from grader import grading
from kata import catalogue
from kata.runner import ALL, PUBLIC, isolation, run_checks
from kata.runner.sandbox import SKIPPED

#: Seconds each environment probe may take.
PROBE_SECONDS = 60

PYTEST_MISSING = (
    "pytest cannot be imported by {python}, the interpreter the checks run under ({why}). "
    "Install it there (python -m pip install pytest pytest-timeout); until then every submission would score 0."
)
SANDBOX_BROKEN = "a tiny run under the resource limits ({limits}) did not work here: {why}"
COLLECT_FAILED = "exercise {number}'s checks do not collect here: {why}"
SOLUTION_FAILED = "the reference solution of exercise {number} scores {score:g} of {max:g} here ({why}), so the checks or this machine are broken"
UID_IN_USE = (
    "uid {uid} (job slot {slot}) already runs processes here ({pids}); the grader kills every process of its slots' "
    "uids after each run. Set $THREADKATA_GRADER_UID_BASE to a range of uids nothing else uses."
)
#: Said once when the sandbox runs without a limit this system lacks (RLIMIT_AS on macOS).
LIMIT_SKIPPED = "grader: note: {line}"


def check(exercises: list[catalogue.Exercise], settings: grading.Settings, jobs: int = 1, solutions: Path | None = catalogue.SOLUTIONS) -> list[str]:
    """What is wrong with this environment for grading ``exercises`` (empty when nothing is)."""
    problem = pytest_problem(settings.python)
    if problem:
        return [problem]
    problem = sandbox_problem(settings)
    if problem:
        return [problem]
    found = uid_problems(jobs)
    if found:
        return found
    found = [p for e in exercises for p in [collect_problem(e, settings)] if p]
    if found:
        return found
    if solutions is not None and solutions.is_dir():
        found = solution_problems(solutions, exercises, settings, jobs)
    return found


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else "no output"


def pytest_problem(python: str) -> str | None:
    try:
        done = subprocess.run([python, "-c", "import pytest"], capture_output=True, text=True, timeout=PROBE_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError) as why:
        return PYTEST_MISSING.format(python=python, why=f"{type(why).__name__}: {why}")
    if done.returncode != 0:
        return PYTEST_MISSING.format(python=python, why=_tail(done.stderr))
    return None


def sandbox_problem(settings: grading.Settings) -> str | None:
    """None when a tiny command runs under the limits; says once on stderr which limit this system skips."""
    limits = settings.limits.args()
    command = [settings.python, "-m", "kata.runner.sandbox", *limits, "--", settings.python, "-c", "print('sandbox ok')"]
    env = {**os.environ, "PYTHONPATH": str(catalogue.ROOT)}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PROBE_SECONDS, cwd=catalogue.ROOT, env=env, check=False)
    except (OSError, subprocess.SubprocessError) as why:
        return SANDBOX_BROKEN.format(limits=" ".join(limits), why=f"{type(why).__name__}: {why}")
    if done.returncode != 0 or "sandbox ok" not in done.stdout:
        return SANDBOX_BROKEN.format(limits=" ".join(limits), why=f"exit status {done.returncode}, {_tail(done.stderr + done.stdout)}")
    prefix = SKIPPED.split("{", 1)[0]
    for line in done.stderr.splitlines():
        if line.startswith(prefix):
            print(LIMIT_SKIPPED.format(line=line), file=sys.stderr)
    return None


def uid_problems(jobs: int) -> list[str]:
    """Where the runs get uids of their own: one sentence per slot uid something else already runs under."""
    if not isolation.mode()[0]:
        return []
    found = []
    for slot in range(max(1, jobs)):
        uid = isolation.slot_uid(slot)
        pids, _ = isolation.processes_of(uid)
        if pids:
            found.append(UID_IN_USE.format(uid=uid, slot=slot, pids=", ".join(map(str, pids[:5]))))
    return found


def collect_problem(exercise: catalogue.Exercise, settings: grading.Settings) -> str | None:
    with tempfile.TemporaryDirectory(prefix="threadkata-preflight-") as empty:  # no learner code in here
        which = ALL if settings.hidden else PUBLIC
        run = run_checks(exercise, Path(empty), which=which, extra_args=("--collect-only",), timeout=PROBE_SECONDS, python=settings.python, forked=True)
    if run.collect_errors:
        return COLLECT_FAILED.format(number=exercise.number, why=_tail(run.collect_errors[0]))
    if not run.collected:
        return COLLECT_FAILED.format(number=exercise.number, why=f"no check was collected ({_tail(run.output)})")
    return None


def solution_problems(solutions: Path, exercises: list[catalogue.Exercise], settings: grading.Settings, jobs: int) -> list[str]:
    [result] = grading.grade_many([solutions], exercises, settings, jobs=jobs)
    found = []
    for exercise in result.exercises:
        if exercise.score < exercise.max_score:
            failing = [t for t in exercise.tests if t.status != "passed"]
            why = f"{exercise.status}; " + ", ".join(f"{t.name}: {_tail(t.detail or t.message)}" for t in failing[:2]) if failing else str(exercise.status)
            found.append(SOLUTION_FAILED.format(number=exercise.id, score=exercise.score, max=exercise.max_score, why=why))
    return found
