"""What a check run needs from the kata, decided once: the copy a run works on, the fingerprint
of a learner's cached result and the student release all read it from here.

A run needs the package (``kata/`` without the maintainer's ``kata/maint/`` and without caches),
the checks folder's ``conftest.py`` and the chosen check files, the hints and ``pyproject.toml``.
No list of module names: a module added to the package is copied and hashed with the rest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kata import catalogue

PUBLIC, HIDDEN, ALL = "public", "hidden", "all"

#: The package, as a folder.
PACKAGE = catalogue.ROOT / "kata"
#: Folders of the package that never leave the maintainer's copy, nor enter a check run.
MAINTAINER_ONLY = ("maint",)
#: Names written by Python and pytest, never copied, shipped or hashed.
CACHES = ("__pycache__", ".pytest_cache")


def ignore_caches(folder: str, names: list[str]) -> set[str]:
    """For :func:`shutil.copytree`: skip byte code and caches."""
    return {n for n in names if n in CACHES or n.endswith(".pyc")}


def package_files() -> list[Path]:
    """Every file of the package a check run uses, in a stable order."""
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        parts = path.relative_to(PACKAGE).parts
        if path.is_file() and parts[0] not in MAINTAINER_ONLY and not any(p in CACHES for p in parts) and path.suffix != ".pyc":
            found.append(path)
    return found


def check_files(exercise: catalogue.Exercise, which: str) -> list[Path]:
    """The public check file, the hidden one (if any), or both."""
    files = [exercise.test_file] if which in (PUBLIC, ALL) else []
    if which in (HIDDEN, ALL) and exercise.hidden_file.is_file():
        files.append(exercise.hidden_file)
    return files


def run_files(exercise: catalogue.Exercise, which: str) -> list[Path]:
    """Every file a run of ``exercise``'s ``which`` checks reads from the kata (the learner's file aside)."""
    extra = [catalogue.TESTS / "conftest.py", catalogue.ROOT / "pyproject.toml"]
    hints = sorted(p for p in catalogue.HINTS.rglob("*") if p.is_file()) if catalogue.HINTS.is_dir() else []
    return [*check_files(exercise, which), *extra, *package_files(), *hints]


def copy_checks(destination: Path, exercise: catalogue.Exercise, which: str) -> list[Path]:
    """A private copy of what the checks need, so a run cannot change the checks of another.

    Returns the copied check files (none when ``which`` names checks the exercise does not have).
    """
    for path in run_files(exercise, which):
        copy = destination / path.relative_to(catalogue.ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    return [destination / path.relative_to(catalogue.ROOT) for path in check_files(exercise, which)]
