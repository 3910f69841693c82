"""The kata checks itself: every reference solution passes, every known-buggy variant is rejected.

    python -m kata.maint.selfcheck solutions [--rounds N] [--jobs J] [NN ...]
    python -m kata.maint.selfcheck mutants   [--rounds N] [--jobs J] [NN ...]
    python -m kata.maint.selfcheck alternatives [--rounds N] [--jobs J] [NN ...]

A solution must pass every check, hidden ones included, in every round, and so must each alternative
(``alternatives/<stem>/<name>.py``: a correct answer written differently from the reference,
which proves the checks do not demand one implementation). A mutant (``mutants/<stem>/<bug>.py``, one
realistic learner mistake each, named by its first-line comment) must fail at least one *public*
check in every round: a round it survives is a check that can pass buggy code, and a bug only a
hidden check finds is one a learner could not see before grading.

Each run is forked from the runner's warm server where the system allows (Linux): the same checks
and limits as a fresh interpreter, without two interpreter starts per run (about 0.4 s of CPU each).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kata import catalogue
from kata.runner import ALL, PUBLIC, Run, run_checks


@dataclass
class Verdict:
    """One target's outcome over all rounds."""

    exercise: catalogue.Exercise
    label: str  # "solution", or the file stem of a mutant or an alternative
    rounds: int
    run: Run
    is_mutant: bool = False

    @property
    def failing_rounds(self) -> dict[int, list[str]]:
        return {r: names for r, names in self.run.failures_by_round(self.rounds).items() if names}

    @property
    def ok(self) -> bool:
        if self.run.timed_out:
            return False  # a check run must end by itself, whatever the target does
        if self.is_mutant:
            return len(self.failing_rounds) == self.rounds
        return not self.failing_rounds and self.run.returncode == 0

    def line(self) -> str:
        head = f"{self.exercise.number} {self.label:<28}"
        if self.run.timed_out:
            return f"{head} CHECK RUN DID NOT FINISH in {self.run.seconds:.0f} s"
        failing = self.failing_rounds
        if self.is_mutant:
            caught = sorted({n for names in failing.values() for n in names})
            status = "rejected" if self.ok else "SURVIVED"
            return f"{head} {status} in {len(failing)}/{self.rounds} rounds ({self.run.seconds:.1f} s) by {', '.join(caught) or '-'}"
        status = "passed" if self.ok else "FAILED"
        detail = "" if self.ok else " — " + ", ".join(sorted({n for names in failing.values() for n in names}) or [f"exit {self.run.returncode}"])
        return f"{head} {status} {self.rounds - len(failing)}/{self.rounds} rounds ({self.run.seconds:.1f} s){detail}"


def check_solution(exercise: catalogue.Exercise, rounds: int) -> Verdict:
    return Verdict(exercise, "solution", rounds, run_checks(exercise, catalogue.SOLUTIONS, rounds=rounds, timeout=_budget(rounds), which=ALL, forked=True))


def check_variant(exercise: catalogue.Exercise, variant: Path, rounds: int, is_mutant: bool, *, every_check: bool = False) -> Verdict:
    """Run the checks on a mutant or an alternative, copied under the exercise's own name.

    ``every_check`` runs a mutant's round to its end, as a learner's run of the checks does (the
    benchmark times that), instead of stopping it at its first failing check."""
    with tempfile.TemporaryDirectory(prefix="threadkata-variant-") as folder:
        shutil.copyfile(variant, Path(folder) / f"{exercise.stem}.py")
        # Mutants face the public checks only: a learner must be able to see every bug locally.
        # One failing check rejects a mutant's round, so the rest of that round is skipped; an
        # alternative must pass every check, so it runs them all.
        run = run_checks(
            exercise, Path(folder), rounds=rounds, timeout=_budget(rounds), which=PUBLIC if is_mutant else ALL, forked=True,
            stop_round_at_first_failure=is_mutant and not every_check,
        )  # fmt: skip
    return Verdict(exercise, variant.stem, rounds, run, is_mutant)


def _budget(rounds: int) -> float:
    return 60.0 + 30.0 * rounds


def selected(numbers: list[str]) -> list[catalogue.Exercise]:
    return [catalogue.find(n) for n in numbers] if numbers else catalogue.all_exercises()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.maint.selfcheck", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["solutions", "mutants", "alternatives"])
    parser.add_argument("exercises", nargs="*", help="exercise numbers (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    exercises = selected(args.exercises)
    if args.what == "solutions":
        jobs = [(check_solution, (e, args.rounds)) for e in exercises]
    elif args.what == "mutants":
        jobs = [(check_variant, (e, m, args.rounds, True)) for e in exercises for m in e.mutants()]
    else:
        jobs = [(check_variant, (e, a, args.rounds, False)) for e in exercises for a in e.alternatives()]
    bad = 0
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for verdict in pool.map(lambda job: job[0](*job[1]), jobs):
            print(verdict.line(), flush=True)
            if not verdict.ok:
                bad += 1
                print("    " + verdict.run.output[-3000:].replace("\n", "\n    "), flush=True)
    noun = "mutants survived" if args.what == "mutants" else f"{args.what} failed"
    print(f"{len(jobs) - bad} passed, {bad} failed" + (f"  ({bad} {noun})" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
