"""Write a self-contained student copy of the kata.

    python -m kata.maint.release DEST [--with-solutions] [--force]

The copy holds the exercises, the public checks, the hints, the noxfile and the README — no
hidden checks, no mutants, no alternatives, no grader and, unless asked, no solutions. It works
on its own: `nox -s check-03` there behaves as here, and says how many hidden checks the grader
adds (from ``kata/hidden-checks.json``). Pristine stubs go to ``kata/stubs/`` for `nox -s reset`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from kata import catalogue
from kata.runner import files

#: What a student copy holds, relative to the project root, and what stays behind inside each
#: folder: the one place that decides what ships. The package ships without its maintainer-only
#: folders (``kata/maint/``), the checks without ``hidden/``.
SHIPPED: dict[str, tuple[str, ...]] = {
    "README.md": (),
    "noxfile.py": (),
    "pyproject.toml": (),
    ".gitignore": (),
    "exercises": (),
    "hints": (),
    "tests": ("hidden",),
    "kata": files.MAINTAINER_ONLY,
}

STUDENT_NOTE = (
    "> **Student copy.** The checks here are the public ones; the grader adds hidden checks of the\n"
    "> same behaviours. Sessions for maintainers (solutions, mutants, tests, grade) are not part of\n"
    "> this copy.\n\n"
)


def _ignore(folder: str, names: list[str]) -> set[str]:
    """For :func:`shutil.copytree`: caches anywhere, and what :data:`SHIPPED` keeps back in a shipped folder."""
    skipped = files.ignore_caches(folder, names)
    here = Path(folder).resolve()
    for top, withheld in SHIPPED.items():
        if here == (catalogue.ROOT / top).resolve():
            skipped |= {n for n in names if n in withheld}
    return skipped


def release(destination: Path, with_solutions: bool = False) -> Path:
    destination.mkdir(parents=True)
    for name in SHIPPED:
        source = catalogue.ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=_ignore)
        elif source.is_file():
            shutil.copyfile(source, destination / name)
    exercises = catalogue.all_exercises()
    counts = {e.stem: e.hidden_count() for e in exercises}
    (destination / "kata" / "hidden-checks.json").write_text(json.dumps(counts, indent=1) + "\n", encoding="utf-8")
    shutil.copytree(catalogue.EXERCISES, destination / "kata" / "stubs", ignore=_ignore)
    if with_solutions:
        shutil.copytree(catalogue.SOLUTIONS, destination / "solutions", ignore=_ignore)
    readme = destination / "README.md"
    readme.write_text(STUDENT_NOTE + readme.read_text(encoding="utf-8"), encoding="utf-8")
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.maint.release", description=__doc__.splitlines()[0])
    parser.add_argument("destination", type=Path)
    parser.add_argument("--with-solutions", action="store_true", help="ship solutions/ so `nox -s solution` can reveal them after passing")
    parser.add_argument("--force", action="store_true", help="replace the destination if it exists")
    args = parser.parse_args(argv)
    if args.destination.exists():
        if not args.force:
            parser.error(f"{args.destination} exists; pass --force to replace it")
        shutil.rmtree(args.destination)
    release(args.destination, args.with_solutions)
    print(f"wrote a student copy to {args.destination}" + (" (with solutions)" if args.with_solutions else " (solutions withheld)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
