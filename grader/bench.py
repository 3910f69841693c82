"""Benchmark the grader: a measurement, not a test.

    python -m grader.bench [--repeat 3] [--jobs 1 2]                         # overhead
    python -m grader.bench --submissions 100 [--exercises 01 06] [--jobs 1 2]  # a class

Overhead (the default): one submission holding every reference solution is graded by the
command line (``python -m grader … --no-preflight``, hidden checks included) with each --jobs
value, and compared with one bare ``pytest`` run of the same checks, public and hidden, on the
same files; each figure is the median of --repeat runs, wall time and CPU time (the grader's and
its children's), since CPU time is less sensitive to other load on the machine.

A class (``--submissions N``): makes N submissions — a third correct (the reference solutions), a third buggy (mutants), a
third hostile (spinning, exiting, printing without end, broken) — grades them with each --jobs
value, checks every score against what it must be, and prints throughput, peak memory and the
speed-up from more jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
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


def timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds (the command and everything it started) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=catalogue.ROOT, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def full_marks(path: Path) -> bool:
    """True when the graded JSON at ``path`` gives its one submission every point."""
    [result] = json.loads(path.read_text(encoding="utf-8"))["submissions"]
    return result["score"] == result["max_score"] > 0


def _load() -> float:
    """The one-minute load average (NaN where the system has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def overhead(jobs: list[int], repeat: int) -> int:
    """Print grading time over bare-pytest time for one submission of every reference solution."""
    exercises = catalogue.all_exercises()
    files = [str(f.relative_to(catalogue.ROOT)) for e in exercises for f in (e.test_file, e.hidden_file) if f.is_file()]
    bare = [sys.executable, "-m", "pytest", *files, "-q", "--target", str(catalogue.SOLUTIONS)]
    with tempfile.TemporaryDirectory(prefix="threadkata-bench-") as scratch:
        folder = Path(scratch) / "everything"
        folder.mkdir()
        for exercise in exercises:
            shutil.copyfile(catalogue.SOLUTIONS / f"{exercise.stem}.py", folder / f"{exercise.stem}.py")
        commands = {"bare pytest": bare}
        for count in jobs:
            commands[f"grader --jobs {count}"] = [
                sys.executable,
                "-m",
                "grader",
                str(folder),
                "--json",
                os.path.join(scratch, "g.json"),
                "--jobs",
                str(count),
                "--no-preflight",
            ]
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        load_before = _load()
        for _ in range(repeat):
            for name, command in commands.items():
                wall, cpu, done = timed(command)
                if done.returncode != 0 or (name != "bare pytest" and not full_marks(Path(scratch) / "g.json")):
                    print(f"{name} failed (exit {done.returncode}, or not full marks):\n{done.stdout[-2000:]}{done.stderr[-2000:]}", file=sys.stderr)
                    return 1
                figures[name].append((wall, cpu))
    print(
        f"one submission of {len(exercises)} reference solutions, public and hidden checks, no preflight; "
        f"median of {repeat}; load {load_before:.1f} at the start, {_load():.1f} at the end"
    )
    base_wall = statistics.median(w for w, _ in figures["bare pytest"])
    base_cpu = statistics.median(c for _, c in figures["bare pytest"])
    for name, runs in figures.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"{name:>16}: {wall:6.1f} s wall (×{wall / base_wall:.2f}), {cpu:6.1f} s CPU (×{cpu / base_cpu:.2f})", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=0, help="grade a generated class of this many submissions instead")
    parser.add_argument("--exercises", nargs="*", default=["01", "06"])
    parser.add_argument("--jobs", nargs="*", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command in the overhead measurement (the median is shown)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-exercise limit for the hostile ones")
    args = parser.parse_args(argv)
    if not args.submissions:
        return overhead(args.jobs, args.repeat)
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
