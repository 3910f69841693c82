"""Benchmark the grader on a generated class: a measurement, not a test.

    python -m grader.bench [--submissions 100] [--exercises 01 06] [--jobs 1 2]

Makes N submissions — a third correct (the reference solutions), a third buggy (mutants), a
third hostile (spinning, exiting, printing without end, broken) — grades them with each --jobs
value, checks every score against what it must be, and prints throughput, peak memory and the
speed-up from more jobs.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from grader import grading
from kata import catalogue

HOSTILE = {
    "spins": "while True:\n    pass\n",
    "exits": "import os\nos._exit(0)\n",
    "prints": "while True:\n    print('x' * 100_000)\n",
    "broken": "def broken(:\n",
}


def make_class(folder: Path, count: int, exercises: list[catalogue.Exercise], seed: int = 7) -> dict[str, str]:
    """Write ``count`` submissions; return each one's kind: correct, buggy or hostile."""
    rng = random.Random(seed)
    kinds = {}
    for i in range(count):
        kind = ("correct", "buggy", "hostile")[i % 3]
        name = f"student{i:03d}-{kind}"
        (folder / name).mkdir()
        for exercise in exercises:
            target = folder / name / f"{exercise.stem}.py"
            if kind == "correct":
                shutil.copyfile(catalogue.SOLUTIONS / f"{exercise.stem}.py", target)
            elif kind == "buggy":
                shutil.copyfile(rng.choice(exercise.mutants()), target)
            else:
                target.write_text(HOSTILE[rng.choice(sorted(HOSTILE))], encoding="utf-8")
        kinds[name] = kind
    return kinds


def wrong_scores(results: list[grading.SubmissionResult], kinds: dict[str, str]) -> list[str]:
    wrong = []
    for result in results:
        kind = kinds[result.submission]
        ok = {
            "correct": result.score == result.max_score,
            "buggy": all(e.score < e.max_score for e in result.exercises),
            "hostile": result.score == 0,
        }[kind]
        if not ok:
            wrong.append(f"{result.submission}: {result.score}/{result.max_score}")
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--exercises", nargs="*", default=["01", "06"])
    parser.add_argument("--jobs", nargs="*", type=int, default=[1, 2])
    parser.add_argument("--timeout", type=float, default=10.0, help="per-exercise limit for the hostile ones")
    args = parser.parse_args(argv)
    exercises = [catalogue.find(n) for n in args.exercises]
    settings = grading.Settings(timeout=args.timeout)
    with tempfile.TemporaryDirectory(prefix="threadkata-class-") as scratch:
        kinds = make_class(Path(scratch), args.submissions, exercises)
        folders = sorted(Path(scratch).iterdir())
        print(f"{len(folders)} submissions × {len(exercises)} exercises ({', '.join(args.exercises)}); hidden checks included")
        baseline = None
        for jobs in args.jobs:
            started = time.monotonic()
            results = grading.grade_many(folders, exercises, settings, jobs=jobs)
            seconds = time.monotonic() - started
            wrong = wrong_scores(results, kinds)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            baseline = baseline or seconds
            print(
                f"--jobs {jobs}: {seconds:.0f} s, {len(folders) * len(exercises) / seconds:.2f} exercise runs/s, "
                f"{len(folders) / seconds * 60:.1f} submissions/min, speed-up ×{baseline / seconds:.2f}, "
                f"largest child {peak:.0f} MiB, grader {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
                f"{'every score right' if not wrong else f'{len(wrong)} WRONG: ' + ', '.join(wrong[:5])}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
