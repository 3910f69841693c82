"""Command line.

    python -m grader SUBMISSION_DIR [...] [--json PATH] [--csv PATH] [--out DIR]
                     [--jobs N] [--shard K/N] [--timeout S] [--exercises NN ...] [--public-only]
    python -m grader merge SHARD.json [...] [--json PATH] [--csv PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader import grading, reports
from kata import catalogue


def add_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, help="write the full results as JSON")
    parser.add_argument("--csv", type=Path, help="write a gradebook: a row per submission, a column per exercise")
    parser.add_argument("--out", type=Path, help="write every report into this folder (JSON, CSV, Gradescope results.json, Markdown feedback)")


def write_outputs(args: argparse.Namespace, results: list[grading.SubmissionResult]) -> None:
    print(reports.table(results))
    if args.json:
        args.json.write_text(reports.to_json(results), encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    if args.csv:
        args.csv.write_text(reports.to_csv(results), encoding="utf-8")
        print(f"wrote {args.csv}", file=sys.stderr)
    if args.out:
        reports.write_all(results, args.out)
        print(f"wrote every report into {args.out}", file=sys.stderr)


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes K/N, like 2/5, not {text!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"--shard {text}: K must be between 1 and N")
    return index, count


def merge(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader merge", description="Join shard results into one gradebook.")
    parser.add_argument("shards", nargs="+", type=Path, help="JSON files written by --json on each shard")
    add_outputs(parser)
    args = parser.parse_args(argv)
    results = [r for path in args.shards for r in reports.from_json(path.read_text(encoding="utf-8"))]
    names = [r.submission for r in results]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        parser.error(f"these submissions appear in more than one shard: {', '.join(duplicates)}")
    write_outputs(args, sorted(results, key=lambda r: r.submission))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["merge"]:
        return merge(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m grader", description="Grade threadkata submissions.")
    parser.add_argument("submissions", nargs="+", type=Path, help="folders holding exNN_*.py files (directly or under exercises/)")
    add_outputs(parser)
    parser.add_argument("--timeout", type=float, default=grading.DEFAULT_TIMEOUT, help=f"seconds per exercise before its run is killed (default {grading.DEFAULT_TIMEOUT:g})")
    parser.add_argument("--jobs", type=int, default=1, help="exercises graded at once, each in its own process (default 1)")
    parser.add_argument("--shard", type=parse_shard, metavar="K/N", help="grade only the K-th of N deterministic slices of the submissions")
    parser.add_argument("--exercises", nargs="*", default=None, metavar="NN", help="grade only these exercise numbers")
    parser.add_argument("--public-only", action="store_true", help="leave out the hidden checks")
    args = parser.parse_args(argv)
    for folder in args.submissions:
        if not folder.is_dir():
            parser.error(f"{folder} is not a folder")
    try:
        exercises = [catalogue.find(n) for n in args.exercises] if args.exercises else catalogue.all_exercises()
    except KeyError as unknown:
        parser.error(f"no exercise {unknown} (known: {', '.join(e.number for e in catalogue.all_exercises())})")
    submissions = [folder.resolve() for folder in args.submissions]
    if args.shard:
        submissions = grading.shard(submissions, *args.shard)
    settings = grading.Settings(timeout=args.timeout, hidden=not args.public_only)
    results = grading.grade_many(submissions, exercises, settings, jobs=args.jobs, progress=grading.print_progress)
    write_outputs(args, results)
    return 0
