"""Command line.

    python -m grader SUBMISSION_DIR [...] [--json PATH] [--csv PATH] [--out DIR]
                     [--jobs N] [--shard K/N] [--timeout S] [--exercises NN ...] [--public-only]
                     [--on-flag keep|zero]
    python -m grader merge SHARD.json [...] [--json PATH] [--csv PATH] [--out DIR]

Every report option works for both: --exercism DIR, --junit PATH, --prairielearn DIR, and
--roster CSV (columns folder,student_id,name,email) to put who each folder belongs to in the CSV.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader import __version__, formats, grading, reports
from kata import catalogue

#: Exit statuses, shown by --help.
GRADED, USAGE, PREFLIGHT, INTERNAL = 0, 2, 3, 4

EXIT_STATUSES = f"""\
exit status:
  {GRADED}  every submission was graded and every report written (whatever the scores)
  {USAGE}  usage error: a bad option or value; nothing was graded
  {PREFLIGHT}  failed preflight: the grader's own environment is broken; nothing was graded
  {INTERNAL}  internal error: the grader failed; the reports it could write are written
"""

COMMANDS = """\
commands:
  python -m grader SUBMISSION_DIR ...       grade submission folders
  python -m grader merge SHARD.json ...     join the --json files of shards into one gradebook
  python -m grader gradescope-zip OUT.zip   build a Gradescope autograder zip
"""


class InternalError(Exception):
    """The grader itself failed; carries the one line to print."""


def new_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=COMMANDS + "\n" + EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"threadkata grader {__version__}")
    return parser


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--timeout takes seconds, like 60, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--timeout must be a positive number of seconds, not {text}")
    return value


def job_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, like 2, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be at least 1, not {value}")
    return value


def creatable(folder: Path) -> str | None:
    """Why ``folder`` cannot be made (None if it exists as a folder or its nearest existing ancestor is a writable folder)."""
    if folder.exists():
        return None if folder.is_dir() else f"{folder} exists and is not a folder"
    ancestor = folder.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{folder} cannot be created: {ancestor} is not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{folder} cannot be created: {ancestor} is not writable"
    return None


def check_outputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Stop with a usage error, before any grading, on an output that could not be written."""
    for option in ("json", "csv", "junit"):
        path = getattr(args, option)
        if path is None:
            continue
        if not path.parent.is_dir():
            parser.error(f"--{option} {path}: the folder {path.parent} does not exist")
        if path.is_dir():
            parser.error(f"--{option} {path} is a folder; give a file name")
        if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
            parser.error(f"--{option} {path}: cannot write there (permission denied)")
    for option in ("out", "exercism", "prairielearn"):
        path = getattr(args, option)
        problem = creatable(path) if path is not None else None
        if problem:
            parser.error(f"--{option}: {problem}")
    if args.roster is not None:
        try:
            args.roster_table = reports.read_roster(args.roster)
        except (OSError, ValueError, UnicodeDecodeError) as why:
            parser.error(f"--roster: {why}")
    else:
        args.roster_table = None


def add_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, help="write the full results as JSON")
    parser.add_argument("--csv", type=Path, help="write a gradebook: a row per submission, a column per exercise")
    parser.add_argument("--out", type=Path, help="write every report into this folder (JSON, CSV, Gradescope results.json, Markdown feedback)")
    parser.add_argument("--exercism", type=Path, metavar="DIR", help="write Exercism's results.json (version 3) into DIR/<submission>/")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML: a testsuite per submission and exercise, a testcase per check")
    parser.add_argument("--prairielearn", type=Path, metavar="DIR", help="write PrairieLearn's results.json into DIR/<submission>/")
    parser.add_argument("--roster", type=Path, metavar="CSV", help="a CSV with columns folder,student_id,name,email: the gradebook gains those columns")


def write_outputs(args: argparse.Namespace, results: list[grading.SubmissionResult]) -> None:
    """Print the table and write every requested report; one that fails does not stop the others.

    Raises InternalError naming the reports that could not be written.
    """
    roster = args.roster_table
    if roster is not None:
        unmatched = sorted(set(roster) - {r.submission for r in results})
        if unmatched:
            print(f"roster: no submission folder for {', '.join(unmatched)}", file=sys.stderr)
    writers = [
        ("table", True, lambda: print(reports.table(results)), None),
        ("--json", args.json, lambda: reports.write_atomically(args.json, reports.to_json(results)), f"wrote {args.json}"),
        ("--csv", args.csv, lambda: reports.write_text(args.csv, reports.to_csv(results, roster)), f"wrote {args.csv}"),
        ("--out", args.out, lambda: reports.write_all(results, args.out, roster), f"wrote every report into {args.out}"),
        ("--exercism", args.exercism, lambda: formats.write_per_submission(results, args.exercism, formats.exercism),
         f"wrote Exercism results into {args.exercism}"),
        ("--junit", args.junit, lambda: reports.write_text(args.junit, formats.junit(results)), f"wrote {args.junit}"),
        ("--prairielearn", args.prairielearn, lambda: formats.write_per_submission(results, args.prairielearn, formats.prairielearn),
         f"wrote PrairieLearn results into {args.prairielearn}"),
    ]  # fmt: skip
    failed = []
    for option, wanted, write, done in writers:
        if not wanted:
            continue
        try:
            write()
        except Exception as why:  # noqa: BLE001 - the other reports must still be written
            failed.append(f"{option} ({type(why).__name__}: {why})")
            continue
        if done:
            print(done, file=sys.stderr)
    if failed:
        raise InternalError(f"could not write {'; '.join(failed)}")


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
    return layouts.pop() if len(layouts) == 1 else ()


def merge(argv: list[str]) -> int:
    parser = new_parser("python -m grader merge", "Join shard results into one gradebook.")
    parser.add_argument("shards", nargs="+", type=Path, help="JSON files written by --json on each shard")
    add_outputs(parser)
    args = parser.parse_args(argv)
    check_outputs(parser, args)
    shards = {}
    for path in args.shards:
        try:
            shards[path] = reports.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as why:
            parser.error(f"{path} is not a results file written by --json ({type(why).__name__}: {why})")
    layouts = {path: shard_layout(results) for path, results in shards.items() if results}
    mixed = [str(path) for path, layout in layouts.items() if not layout]
    if mixed:
        parser.error(f"{', '.join(mixed)}: holds submissions graded on different exercises or weights")
    if len(set(layouts.values())) > 1:
        described = "; ".join(f"{path}: {', '.join(f'{n} ({w:g} points)' for n, w in layout)}" for path, layout in layouts.items())
        parser.error(f"the shards were graded on different exercises or weights, so their totals cannot be compared: {described}")
    results = [r for rs in shards.values() for r in rs]
    names = [r.submission for r in results]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        parser.error(f"these submissions appear in more than one shard: {', '.join(duplicates)}")
    write_outputs(args, sorted(results, key=lambda r: r.submission))
    return GRADED


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse exits 2 itself on a usage error)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["merge"]:
            return merge(argv[1:])
        if argv[:1] == ["gradescope-zip"]:
            from grader import gradescope

            return gradescope.main(argv[1:])
        return grade(argv)
    except InternalError as error:
        print(f"grader: internal error: {error}", file=sys.stderr)
        return INTERNAL
    except Exception as error:  # noqa: BLE001 - one clear line, not a traceback, for an instructor
        print(f"grader: internal error: {type(error).__name__}: {error} (please report it)", file=sys.stderr)
        return INTERNAL


def grade(argv: list[str]) -> int:
    parser = new_parser("python -m grader", "Grade threadkata submissions.")
    parser.add_argument("submissions", nargs="+", type=Path, help="folders holding exNN_*.py files (directly or under exercises/)")
    add_outputs(parser)
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=grading.DEFAULT_TIMEOUT,
        help=f"seconds per exercise before its run is killed (default {grading.DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument("--jobs", type=job_count, default=1, help="exercises graded at once, each in its own process (default 1)")
    parser.add_argument("--shard", type=parse_shard, metavar="K/N", help="grade only the K-th of N deterministic slices of the submissions")
    parser.add_argument("--exercises", nargs="*", default=None, metavar="NN", help="grade only these exercise numbers")
    parser.add_argument("--public-only", action="store_true", help="leave out the hidden checks")
    parser.add_argument(
        "--on-flag", choices=grading.ON_FLAG, default="keep",
        help="what an exercise flagged by the screen or the tripwires (code reaching into the grader) scores: "
        "keep its points and mark it for review (default), or zero",
    )  # fmt: skip
    parser.add_argument("--no-preflight", action="store_true", help="skip the checks of the grader's own environment (for tests and experts)")
    args = parser.parse_args(argv)
    for folder in args.submissions:
        if not folder.is_dir():
            parser.error(f"{folder} is not a folder")
    check_outputs(parser, args)
    try:
        exercises = [catalogue.find(n) for n in args.exercises] if args.exercises else catalogue.all_exercises()
    except KeyError as unknown:
        parser.error(f"no exercise {unknown} (known: {', '.join(e.number for e in catalogue.all_exercises())})")
    submissions = [folder.resolve() for folder in args.submissions]
    if args.shard:
        submissions = grading.shard(submissions, *args.shard)
    settings = grading.Settings(timeout=args.timeout, hidden=not args.public_only, on_flag=args.on_flag)
    if not args.no_preflight:
        from grader import preflight

        problems = preflight.check(exercises, settings, jobs=args.jobs)
        if problems:
            print("grader: preflight failed, so no submission was graded (this is the grader's environment, not the students' code):", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            return PREFLIGHT
    results = grading.grade_many(submissions, exercises, settings, jobs=args.jobs, progress=grading.print_progress, finished=keep_json(args))
    write_outputs(args, results)
    return GRADED


def keep_json(args: argparse.Namespace):
    """With --json: a callback that rewrites the file after each finished submission (a killed grader leaves what it finished)."""
    if args.json is None:
        return None
    failed = []

    def write(done: list[grading.SubmissionResult]) -> None:
        try:
            reports.write_atomically(args.json, reports.to_json(done))
        except OSError as why:
            if not failed:
                print(f"grader: could not update {args.json} as grading goes ({why}); it is written at the end", file=sys.stderr)
            failed.append(why)

    return write
