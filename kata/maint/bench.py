"""Benchmark the checks on this machine: a measurement, not a test.

    python -m kata.maint.bench [NN ...] [--repeat K]

For each exercise: the checks' time on the reference solution (wall time of the child run and
the time inside the checks), the time for the untouched stub to fail, and the time each mutant
takes to be rejected. Prints a Markdown table for the README. Also times a warm
`nox -s check-NN` end to end when nox is on PATH.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import time

from kata import catalogue
from kata.maint import selfcheck
from kata.runner import Run, run_checks


def inside(run: Run) -> float:
    """Seconds spent inside the checks themselves (pytest's own start-up excluded)."""
    return sum(record.duration for record in run.tests.values())


def median_run(exercise: catalogue.Exercise, target, repeat: int) -> tuple[Run, float, float]:
    runs = [run_checks(exercise, target) for _ in range(repeat)]
    return runs[-1], statistics.median(r.seconds for r in runs), statistics.median(inside(r) for r in runs)


def warm_nox(exercise: catalogue.Exercise) -> float | None:
    nox = shutil.which("nox")
    if nox is None:
        return None
    command = [nox, "-s", f"check-{exercise.number}"]
    subprocess.run(command, cwd=catalogue.ROOT, capture_output=True)  # warm-up: makes the venv if needed
    started = time.monotonic()
    subprocess.run(command, cwd=catalogue.ROOT, capture_output=True)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.maint.bench", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is shown")
    args = parser.parse_args(argv)
    exercises = selfcheck.selected(args.exercises)
    print(f"Python {platform.python_version()} on {platform.machine()}, median of {args.repeat} runs; seconds.\n")
    print("| exercise | solution: run (in checks) | stub fails | slowest mutant rejected | mutants |")
    print("|---|---|---|---|---|")
    for exercise in exercises:
        solved, solved_wall, solved_inside = median_run(exercise, catalogue.SOLUTIONS, args.repeat)
        stub, stub_wall, _ = median_run(exercise, catalogue.EXERCISES, args.repeat)
        verdicts = [selfcheck.check_variant(exercise, m, 1, True) for m in exercise.mutants()]
        slowest = max(verdicts, key=lambda v: v.run.seconds, default=None)
        slow = f"{slowest.run.seconds:.2f} ({slowest.label})" if slowest else "-"
        ok = "all passed" if not solved.failures_by_round(1)[0] else "SOLUTION FAILED"
        caught = sum(v.ok for v in verdicts)
        print(
            f"| {exercise.number} {exercise.title} | {solved_wall:.2f} ({solved_inside:.2f}) {'' if ok == 'all passed' else ok} "
            f"| {stub_wall:.2f} | {slow} | {caught}/{len(verdicts)} rejected |",
            flush=True,
        )
    timed = warm_nox(exercises[0]) if exercises else None
    if timed is not None:
        print(f"\nwarm `nox -s check-{exercises[0].number}` end to end: {timed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
