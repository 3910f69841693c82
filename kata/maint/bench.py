"""Benchmark the checks on this machine: a measurement, not a test.

    python -m kata.maint.bench [NN ...] [--repeat K]

For each exercise: the checks' time on the reference solution (wall time of the child run and
the time inside the checks), the time for the untouched stub to fail, and the time each mutant
takes to be rejected, with the slowest rejection as a multiple of the solution's run (the target
is at most 2×: once a check has shown a hang, later checks that would wait on the same hang fail
at once; a row over it is marked, and every mutant over it is listed below the table). The
solution and the mutants are run alike, forked from the runner's warm server where the system
allows, and a mutant's run goes through every public check, as a learner's run does (the mutation
tools stop a mutant at its first failing check; the benchmark does not). Prints a Markdown table for the README. Also times a warm
`nox -s check-NN` end to end when nox is on PATH.

``--mutant NN:name`` (repeatable) times only those mutants, each on its own row.
"""

from __future__ import annotations

import argparse
import os
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
    """The last of ``repeat`` runs of the public checks, and the medians of their wall time and time in the checks.

    Forked from the runner's warm server where it can, as each mutant's run is, so a passing and a
    failing run are timed the same way."""
    runs = [run_checks(exercise, target, forked=True) for _ in range(repeat)]
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


#: A failing run may take at most this many times the passing run of the same exercise.
FAILING_BUDGET = 2.0


def times_solution(failing: float, passing: float) -> str:
    """``1.6×``, or ``3.1× (over 2×)`` where a failing run takes longer than :data:`FAILING_BUDGET` allows."""
    ratio = failing / passing if passing else float("inf")
    return f"{ratio:.1f}×" + (f" (over {FAILING_BUDGET:g}×)" if ratio > FAILING_BUDGET else "")


def load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes: timings under load are longer."""
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def named_mutants(names: list[str], repeat: int) -> int:
    """One row per ``NN:name`` mutant: its rejection's median times beside the solution's."""
    print(f"Python {platform.python_version()} on {platform.machine()}, median of {repeat} runs; seconds, run (in checks); {load()}.\n")
    print("| mutant | solution passes | mutant rejected | × solution |")
    print("|---|---|---|---|")
    for name in names:
        number, _, stem = name.partition(":")
        exercise = catalogue.find(number)
        mutant = catalogue.MUTANTS / exercise.stem / f"{stem}.py"
        _, solved_wall, solved_inside = median_run(exercise, catalogue.SOLUTIONS, repeat)
        runs = [selfcheck.check_variant(exercise, mutant, 1, True, every_check=True).run for _ in range(repeat)]
        failing, failing_inside = statistics.median(r.seconds for r in runs), statistics.median(inside(r) for r in runs)
        print(
            f"| {exercise.number} {stem} | {solved_wall:.2f} ({solved_inside:.2f}) | {failing:.2f} ({failing_inside:.2f}) "
            f"| {times_solution(failing, solved_wall)} |",
            flush=True,
        )
    print(f"\nat the end: {load()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.maint.bench", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is shown")
    parser.add_argument("--mutant", action="append", default=[], metavar="NN:NAME", help="time only this mutant (repeatable)")
    args = parser.parse_args(argv)
    if args.mutant:
        return named_mutants(args.mutant, args.repeat)
    exercises = selfcheck.selected(args.exercises)
    print(f"Python {platform.python_version()} on {platform.machine()}, median of {args.repeat} runs; seconds; {load()}.\n")
    print("| exercise | solution: run (in checks) | stub fails | slowest mutant rejected | × solution | mutants |")
    print("|---|---|---|---|---|---|")
    over = []
    for exercise in exercises:
        solved, solved_wall, solved_inside = median_run(exercise, catalogue.SOLUTIONS, args.repeat)
        stub, stub_wall, _ = median_run(exercise, catalogue.EXERCISES, args.repeat)
        verdicts = [selfcheck.check_variant(exercise, m, 1, True, every_check=True) for m in exercise.mutants()]
        slowest = max(verdicts, key=lambda v: v.run.seconds, default=None)
        slow = f"{slowest.run.seconds:.2f} ({slowest.label})" if slowest else "-"
        ok = "all passed" if not solved.failures_by_round(1)[0] else "SOLUTION FAILED"
        caught = sum(v.ok for v in verdicts)
        over += [f"{exercise.number} {v.label} {times_solution(v.run.seconds, solved_wall)}" for v in verdicts if v.run.seconds > FAILING_BUDGET * solved_wall]
        print(
            f"| {exercise.number} {exercise.title} | {solved_wall:.2f} ({solved_inside:.2f}) {'' if ok == 'all passed' else ok} "
            f"| {stub_wall:.2f} | {slow} | {times_solution(slowest.run.seconds, solved_wall) if slowest else '-'} "
            f"| {caught}/{len(verdicts)} rejected |",
            flush=True,
        )
    print(f"\nat the end: {load()}")
    print(f"mutants rejected in over {FAILING_BUDGET:g}× the solution's run: " + ("; ".join(over) or "none"))
    timed = warm_nox(exercises[0]) if exercises else None
    if timed is not None:
        print(f"\nwarm `nox -s check-{exercises[0].number}` end to end: {timed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
