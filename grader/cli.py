"""Command line.

    python -m grader SUBMISSION_DIR [...] [--json PATH] [--csv PATH] [--out DIR]
                     [--jobs N] [--shard K/N] [--timeout S] [--exercises NN ...] [--public-only]
    python -m grader merge SHARD.json [...] [--json PATH] [--csv PATH] [--out DIR]

Every report option works for both: --exercism DIR, --junit PATH, --prairielearn DIR, and
--roster CSV (columns folder,student_id,name,email) to put who each folder belongs to in the CSV.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader import formats, grading, reports
from kata import catalogue


def add_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, help="write the full results as JSON")
    parser.add_argument("--csv", type=Path, help="write a gradebook: a row per submission, a column per exercise")
    parser.add_argument("--out", type=Path, help="write every report into this folder (JSON, CSV, Gradescope results.json, Markdown feedback)")
    parser.add_argument("--exercism", type=Path, metavar="DIR", help="write Exercism's results.json (version 3) into DIR/<submission>/")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML: a testsuite per submission and exercise, a testcase per check")
    parser.add_argument("--prairielearn", type=Path, metavar="DIR", help="write PrairieLearn's results.json into DIR/<submission>/")
    parser.add_argument("--roster", type=Path, metavar="CSV", help="a CSV with columns folder,student_id,name,email: the gradebook gains those columns")


def write_outputs(args: argparse.Namespace, results: list[grading.SubmissionResult]) -> None:
    print(reports.table(results))
    roster = reports.read_roster(args.roster) if args.roster else None
    if roster is not None:
        unmatched = sorted(set(roster) - {r.submission for r in results})
        if unmatched:
            print(f"roster: no submission folder for {', '.join(unmatched)}", file=sys.stderr)
    if args.json:
        args.json.write_text(reports.to_json(results), encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    if args.csv:
        args.csv.write_text(reports.to_csv(results, roster), encoding="utf-8")
        print(f"wrote {args.csv}", file=sys.stderr)
    if args.out:
        reports.write_all(results, args.out, roster)
        print(f"wrote every report into {args.out}", file=sys.stderr)
    if args.exercism:
        formats.write_per_submission(results, args.exercism, formats.exercism)
        print(f"wrote Exercism results into {args.exercism}", file=sys.stderr)
    if args.junit:
        args.junit.write_text(formats.junit(results), encoding="utf-8")
        print(f"wrote {args.junit}", file=sys.stderr)
    if args.prairielearn:
        formats.write_per_submission(results, args.prairielearn, formats.prairielearn)
        print(f"wrote PrairieLearn results into {args.prairielearn}", file=sys.stderr)


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes K/N, like 2/5, not {text!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"--shard {text}: K must be between 1 and N")
    return index, count


def shard_layout(results: list[grading.SubmissionResult]) -> tuple[tuple[str, float], ...]:
    """The (exercise id, maximum points) pairs a shard was graded on; every submission must agree."""
    layouts = {tuple(sorted((e.id, e.max_score) for e in r.exercises)) for r in results}
    if len(layouts) > 1:
        raise SystemExit("a shard holds submissions graded on different exercises; grade each shard with one --exercises")
    return layouts.pop()


def merge(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader merge", description="Join shard results into one gradebook.")
    parser.add_argument("shards", nargs="+", type=Path, help="JSON files written by --json on each shard")
    add_outputs(parser)
    args = parser.parse_args(argv)
    shards = {path: reports.from_json(path.read_text(encoding="utf-8")) for path in args.shards}
    layouts = {path: shard_layout(results) for path, results in shards.items() if results}
    if len(set(layouts.values())) > 1:
        described = "; ".join(f"{path}: {', '.join(f'{n} ({w:g} points)' for n, w in layout)}" for path, layout in layouts.items())
        parser.error(f"the shards were graded on different exercises or weights, so their totals cannot be compared: {described}")
    results = [r for rs in shards.values() for r in rs]
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
