"""Command line: grade folders, print a table, optionally write JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kata import catalogue
from grader.grading import DEFAULT_TIMEOUT, SubmissionResult, grade_submission

SHORT = {"passed": "", "failed": "", "timeout": " T", "error": " E", "missing": " -"}


def table(results: list[SubmissionResult]) -> str:
    """Submission × exercise scores and the total; T = timed out, E = error, - = missing."""
    if not results:
        return "no submissions"
    numbers = [e.id for e in results[0].exercises]
    width = max(10, *(len(r.submission) for r in results))
    lines = [f"{'submission':<{width}} " + " ".join(f"{n:>7}" for n in numbers) + f" {'total':>9}"]
    for result in results:
        cells = []
        for exercise in result.exercises:
            mark = SHORT.get(exercise.status, "?")
            cells.append(f"{exercise.score:>{7 - len(mark)}g}{mark}")
        lines.append(f"{result.submission:<{width}} " + " ".join(cells) + f" {result.score:>5g}/{result.max_score:g}")
    lines.append("T = timed out, E = error, - = missing; other cells are the points scored.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Grade threadkata submissions.")
    parser.add_argument("submissions", nargs="+", type=Path, help="folders holding exNN_*.py files (directly or under exercises/)")
    parser.add_argument("--json", type=Path, help="write the full results here as JSON")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per exercise before its run is killed (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--exercises", nargs="*", default=None, metavar="NN", help="grade only these exercise numbers")
    args = parser.parse_args(argv)
    for folder in args.submissions:
        if not folder.is_dir():
            parser.error(f"{folder} is not a folder")
    try:
        exercises = [catalogue.find(n) for n in args.exercises] if args.exercises else catalogue.all_exercises()
    except KeyError as unknown:
        parser.error(f"no exercise {unknown} (known: {', '.join(e.number for e in catalogue.all_exercises())})")
    results = []
    for folder in args.submissions:
        print(f"grading {folder.name} …", file=sys.stderr, flush=True)
        results.append(grade_submission(folder.resolve(), exercises, args.timeout))
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"submissions": [r.to_json() for r in results]}, indent=2), encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0
