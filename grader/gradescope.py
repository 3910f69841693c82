"""A Gradescope autograder: build its zip, and run it inside Gradescope's container.

    python -m grader gradescope-zip OUT.zip [--exercises NN ...] [--total-seconds 600]
                                            [--hidden-visibility after_due_date]

The zip holds ``setup.sh`` and ``run_autograder`` at its root (as Gradescope's specification
asks), the grader, the kata's harness and the chosen exercises' checks, hidden ones included —
no solutions, mutants, alternatives or maintainer tools. ``setup.sh`` installs the pytest and
pytest-timeout versions the kata is tested with (``kata.settings.PINS``). ``run_autograder`` grades the files in
``$AUTOGRADER_ROOT/submission`` (``/autograder`` unless set; files at its top or in one folder
below) and rewrites ``$AUTOGRADER_ROOT/results/results.json`` after every exercise, so a run
killed at Gradescope's limit still leaves the student what was graded.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from grader import __version__, grading, reports
from kata import catalogue, settings
from kata.runner import HIDDEN, PUBLIC, Limits, expected_checks

#: Gradescope's default limit for a whole autograder run, in seconds.
DEFAULT_TOTAL_SECONDS = 600

#: When a student sees a hidden check's result. ``after_due_date`` shows it, and the points it
#: cost, once the due date has passed; ``after_published`` hides every student's total until the
#: grades are published; ``hidden`` never shows it; ``visible`` shows it at once.
DEFAULT_HIDDEN_VISIBILITY = "after_due_date"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")

#: Seconds kept back from the total for start-up, collecting the checks and writing results.
RESERVE_SECONDS = 20.0
#: Seconds set aside per exercise for collecting its checks outside its time limit.
COLLECT_SECONDS = 3.0
#: The shortest time limit an exercise's run is given, however little time is left.
MIN_RUN_SECONDS = 5.0

#: Share of the memory the container has available that one run's address space may take.
MEMORY_SHARE = 0.75
#: Bounds on the per-run address-space limit, in bytes.
MEMORY_FLOOR, MEMORY_CEILING = 256 * 2**20, grading.DEFAULT_LIMITS.memory_bytes

#: The settings file the zip carries, read by run_autograder.
CONFIG = "autograder.json"

#: What the zip carries from the project, beyond the chosen exercises' check files.
SHIPPED_DIRS = ("grader", "kata", "hints")
#: Never shipped: maintainer tools (some of which read solutions and mutants).
NOT_SHIPPED = ("kata/maint", "grader/bench.py")

RUN_AUTOGRADER = '''\
#!/usr/bin/env python3
"""Gradescope runs this: grade $AUTOGRADER_ROOT/submission, write $AUTOGRADER_ROOT/results/results.json."""
import os
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
source = here if (here / "grader").is_dir() else Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")) / "source"
sys.path.insert(0, str(source))
os.chdir(source)
from grader.gradescope import run  # noqa: E402

sys.exit(run())
'''

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, while building the autograder's image: Python and the exact
# pytest and pytest-timeout versions this autograder was built and tested with.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-pip
fi
python3 -m pip install --no-cache-dir {pins} \\
    || python3 -m pip install --no-cache-dir --break-system-packages {pins}
"""


def pins() -> list[str]:
    """``pytest==X`` and ``pytest-timeout==Y``: the versions the kata is tested with (``kata.settings.PINS``)."""
    return list(settings.REQUIREMENTS)


def shipped_files(exercises: list[catalogue.Exercise]) -> list[Path]:
    """Every project file the zip carries, relative to the project root."""
    root = catalogue.ROOT
    files = [Path("pyproject.toml"), Path("tests/conftest.py")]
    for exercise in exercises:
        files.append(exercise.test_file.relative_to(root))
        if exercise.hidden_file.is_file():
            files.append(exercise.hidden_file.relative_to(root))
    for folder in SHIPPED_DIRS:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if (
                path.is_file()
                and "__pycache__" not in relative.parts
                and not any(relative.as_posix() == n or relative.as_posix().startswith(n + "/") for n in NOT_SHIPPED)
            ):
                files.append(relative)
    return files


def build_zip(
    out: Path,
    exercises: list[catalogue.Exercise],
    total_seconds: float = DEFAULT_TOTAL_SECONDS,
    hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY,
) -> list[str]:
    """Write the autograder zip to ``out``; returns the names it holds."""
    config = {
        "grader": __version__,
        "exercises": [e.number for e in exercises],
        "total_seconds": total_seconds,
        "hidden_visibility": hidden_visibility,
        "pins": pins(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", SETUP_SH.format(pins=" ".join(shlex.quote(p) for p in pins()))), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o100755 << 16  # executable: Gradescope runs both directly
            archive.writestr(info, text)
        archive.writestr(CONFIG, json.dumps(config, indent=2) + "\n")
        for relative in shipped_files(exercises):
            archive.write(catalogue.ROOT / relative, relative.as_posix())
        return archive.namelist()


# Inside the container ---------------------------------------------------------------------


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """MemAvailable in bytes, or None where the kernel does not say."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_limit(available: int | None) -> int:
    """One run's address-space limit: a safe share of what is available, within the floor and ceiling."""
    if available is None:
        return MEMORY_CEILING
    return int(min(MEMORY_CEILING, max(MEMORY_FLOOR, available * MEMORY_SHARE)))


def run_budget(seconds_left: float, exercises_left: int, parts: int) -> float:
    """The time limit for each of an exercise's ``parts`` runs, so the rest fit in ``seconds_left``."""
    per_exercise = (seconds_left - RESERVE_SECONDS) / max(1, exercises_left) - COLLECT_SECONDS
    return max(MIN_RUN_SECONDS, min(grading.DEFAULT_TIMEOUT, per_exercise / parts))


def locate(submission: Path) -> Path:
    """The folder holding the exercise files: ``submission`` itself, or its one subfolder that holds them."""

    def holds(folder: Path) -> bool:
        return any(folder.glob("ex[0-9][0-9]_*.py")) or any((folder / "exercises").glob("ex[0-9][0-9]_*.py"))

    if holds(submission) or not submission.is_dir():
        return submission
    inside = [p for p in sorted(submission.iterdir()) if p.is_dir() and not p.name.startswith((".", "__")) and holds(p)]
    return inside[0] if len(inside) == 1 else submission


def write_atomically(path: Path, data: dict) -> None:
    """Replace ``path`` by ``data`` in one rename, so Gradescope never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=2)
    os.replace(temporary, path)


def results(done: list[grading.ExerciseResult], total: int, seconds: float, visibility: str, note: str = "") -> dict:
    """Gradescope's results.json for the exercises graded so far."""
    summary = grading.summarise("submission", done)
    data = reports.gradescope(summary, hidden_visibility=visibility)
    lines = [f"**{summary.score:g} / {summary.max_score:g} points** on {len(done)} of {total} exercises graded."]
    if len(done) < total:
        lines.append("Grading is not finished: the exercises not listed yet have not been graded.")
    lines += ["", "| exercise | status | points |", "|---|---|---|"]
    lines += [f"| {e.id} {e.stem} | {e.status}{' (flagged for review)' if e.flags else ''} | {e.score:g} / {e.max_score:g} |" for e in done]
    if note:
        lines += ["", note]
    data.update({"execution_time": round(seconds), "output": "\n".join(lines), "output_format": "md"})
    return data


def run(environ: dict[str, str] | None = None) -> int:
    """Grade the submission and keep results.json current; always exits 0 once results are written."""
    environ = dict(os.environ if environ is None else environ)
    started = time.monotonic()
    root = Path(environ.get("AUTOGRADER_ROOT", "/autograder"))
    out = root / "results" / "results.json"
    config = json.loads((catalogue.ROOT / CONFIG).read_text(encoding="utf-8"))
    exercises = [catalogue.find(n) for n in config["exercises"]]
    visibility = config.get("hidden_visibility", DEFAULT_HIDDEN_VISIBILITY)
    deadline = started + float(config.get("total_seconds", DEFAULT_TOTAL_SECONDS))
    submission = locate(root / "submission")
    memory = memory_limit(available_memory())
    print(f"threadkata grader {__version__}: grading {submission} ({len(exercises)} exercises, address space {memory // 2**20} MiB per run)")
    done: list[grading.ExerciseResult] = []
    write_atomically(out, results(done, len(exercises), 0, visibility))
    for index, exercise in enumerate(exercises):
        parts = 2 if exercise.hidden_file.is_file() else 1
        timeout = run_budget(deadline - time.monotonic(), len(exercises) - index, parts)
        limits = Limits(cpu_seconds=int(timeout * 2) + 1, memory_bytes=memory, file_bytes=grading.DEFAULT_LIMITS.file_bytes)
        try:
            expected_checks(exercise, PUBLIC)
            if parts == 2:
                expected_checks(exercise, HIDDEN)
            done.append(grading.grade_exercise(submission, exercise, grading.Settings(timeout=timeout, limits=limits)))
        except Exception as error:  # noqa: BLE001 - one exercise's failure must not cost the others
            print(f"exercise {exercise.number}: the grader failed: {type(error).__name__}: {error}", file=sys.stderr)
            done.append(grading.ExerciseResult(exercise.number, exercise.stem, "error", 0.0, grading.weight(exercise)))
        print(
            f"graded {exercise.number} {exercise.stem}: {done[-1].status}, "
            f"{done[-1].score:g}/{done[-1].max_score:g} ({done[-1].seconds:.1f} s, limit {timeout:.0f} s per run)"
        )
        write_atomically(out, results(done, len(exercises), time.monotonic() - started, visibility))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader gradescope-zip", description="Build a Gradescope autograder zip.")
    parser.add_argument("out", type=Path, help="the zip to write, e.g. autograder.zip")
    parser.add_argument("--exercises", nargs="*", default=None, metavar="NN", help="only these exercises (default: all)")
    parser.add_argument(
        "--total-seconds",
        type=float,
        default=DEFAULT_TOTAL_SECONDS,
        help=f"the whole run's limit on Gradescope (default {DEFAULT_TOTAL_SECONDS})",
    )
    parser.add_argument(
        "--hidden-visibility",
        choices=VISIBILITIES,
        default=DEFAULT_HIDDEN_VISIBILITY,
        help=f"when students see hidden checks' results (default {DEFAULT_HIDDEN_VISIBILITY}; after_published hides every total until you publish)",
    )
    args = parser.parse_args(argv)
    if args.total_seconds <= RESERVE_SECONDS:
        parser.error(f"--total-seconds must be more than {RESERVE_SECONDS:g}")
    if args.out.suffix != ".zip" or not args.out.parent.is_dir():
        parser.error(f"{args.out}: give a .zip path in an existing folder")
    try:
        exercises = [catalogue.find(n) for n in args.exercises] if args.exercises else catalogue.all_exercises()
    except KeyError as unknown:
        parser.error(f"no exercise {unknown}")
    names = build_zip(args.out, exercises, args.total_seconds, args.hidden_visibility)
    print(f"wrote {args.out}: {len(names)} files, {len(exercises)} exercises, {' '.join(pins())}", file=sys.stderr)
    return 0
