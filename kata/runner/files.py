"""What a check run needs from the kata, decided once: the copy a run works on, the fingerprint
of a learner's cached result and the student release all read it from here.

A run needs the package (``kata/`` without the maintainer's ``kata/maint/`` and without caches),
the checks folder's ``conftest.py`` and the chosen check files, the hints and ``pyproject.toml``.
No list of module names: a module added to the package is copied and hashed with the rest.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
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


def copy_checks(destination: Path, exercise: catalogue.Exercise, which: str, source: Path | None = None) -> list[Path]:
    """A private copy of what the checks need, so a run cannot change the checks of another.

    ``source`` is a :func:`snapshot` to copy from (the live kata when None). Returns the copied
    check files (none when ``which`` names checks the exercise does not have).
    """
    root = catalogue.ROOT if source is None else Path(source)
    for path in run_files(exercise, which):
        relative = path.relative_to(catalogue.ROOT)
        copy = destination / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, copy)
    return [destination / path.relative_to(catalogue.ROOT) for path in check_files(exercise, which)]


def snapshot(destination: Path, exercises: list[catalogue.Exercise]) -> Path:
    """A read-only copy of everything the runs of ``exercises`` read from the kata, taken once per grading.

    Runs copy their checks from it (``copy_checks(…, source=snapshot)``), so nothing written to the
    checkout while a class is graded, by learner code or anyone else, reaches a later run.
    """
    files = {path for exercise in exercises for path in run_files(exercise, ALL)}
    for path in sorted(files):
        copy = destination / path.relative_to(catalogue.ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        os.chmod(copy, 0o444)
    for folder, _, _ in sorted(os.walk(destination), reverse=True):
        os.chmod(folder, 0o555)
    return destination


def remove_tree(path: Path | str) -> None:
    """Remove ``path`` and everything in it, whatever learner code left there; never raises.

    Iterative and relative to open folders (no recursion limit, no path-length limit: a 3 000-deep
    tree goes), permissions fixed on the way (a folder made unreadable or read-only goes too),
    links removed, never followed. Where folders cannot be opened by descriptor (Windows), falls
    back to :func:`shutil.rmtree` with permissions fixed on error.
    """
    try:
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
        elif os.open in os.supports_dir_fd and os.scandir in os.supports_fd and hasattr(os, "O_DIRECTORY"):
            _remove_by_descriptor(os.fspath(path))
        else:
            _remove_by_path(path)
    except OSError:
        _remove_by_path(path)


#: Flags for opening a folder to walk: never through a link.
_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _remove_by_descriptor(root: str) -> None:
    os.chmod(root, 0o700)
    fd = os.open(root, _FOLDER)
    names: list[str] = []  # the folders below root the walk is in, outermost first
    try:
        while True:
            try:
                os.fchmod(fd, 0o700)
            except OSError:
                pass
            descended = False
            with os.scandir(fd) as entries:
                listed = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
            for name, is_folder in listed:
                if not is_folder:
                    os.unlink(name, dir_fd=fd)
                    continue
                try:
                    os.chmod(name, 0o700, dir_fd=fd, follow_symlinks=False)
                except (OSError, NotImplementedError):
                    pass
                child = os.open(name, _FOLDER, dir_fd=fd)
                os.close(fd)
                fd, descended = child, True
                names.append(name)
                break
            if descended:
                continue
            if not names:
                break
            parent = os.open("..", _FOLDER, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.rmdir(names.pop(), dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(root)


def _remove_by_path(path: Path | str) -> None:
    def fix_and_retry(function, failed, _info) -> None:
        try:
            os.chmod(os.path.dirname(failed) or ".", stat.S_IRWXU)
            os.chmod(failed, stat.S_IRWXU)
            function(failed)
        except OSError:
            pass

    try:
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=fix_and_retry)
        else:
            shutil.rmtree(path, onerror=fix_and_retry)
    except (OSError, RecursionError):
        pass
