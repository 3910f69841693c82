"""Write a self-contained student copy of the kata.

    python -m kata.maint.release DEST [--with-solutions] [--force]

The copy holds the exercises, the public checks, the hints, the noxfile, a README for learners
and a GitHub Classroom workflow — no hidden checks, no mutants, no alternatives, no grader and,
unless asked, no solutions. It works on its own: `nox -s check-03` there behaves as here, and says
how many hidden checks the grader adds (from ``kata/hidden-checks.json``). Pristine stubs go to
``kata/stubs/`` for `nox -s reset`.

Its README is written from ``kata/maint/student-readme.md``: the learning path from the catalogue,
the learner's guide from this README's learner sections (so the two never drift apart), and
nothing for instructors or contributors. Its ``.github/workflows/classroom.yml`` is written from
the catalogue too: one GitHub Classroom grading step per exercise.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kata import catalogue, settings
from kata.runner import files

#: What a student copy holds, relative to the project root, and what stays behind inside each
#: folder: the one place that decides what ships. The package ships without its maintainer-only
#: folders (``kata/maint/``), the checks without ``hidden/``.
SHIPPED: dict[str, tuple[str, ...]] = {
    "noxfile.py": (),
    "pyproject.toml": (),
    ".gitignore": (),
    "exercises": (),
    "hints": (),
    "tests": ("hidden",),
    "kata": files.MAINTAINER_ONLY,
}

#: The student README's template (placeholders in braces), kept with the maintainer tools.
README_TEMPLATE = Path(__file__).with_name("student-readme.md")
#: The README heading that ends the learners' part: the student README takes what comes before it.
INSTRUCTORS_HEADING = "## For instructors"
SOLUTIONS_SHIPPED = "\nThis copy includes the reference solutions: `nox -s solution -- 03` shows exercise 03's, with\nits comments, once your answer passes."
SOLUTIONS_WITHHELD = "\nThis copy does not include the reference solutions."


def learner_guide(readme: str) -> str:
    """The learners' subsections of the project README: from the first ``###`` heading after the
    learning path up to the instructors' part. ``ValueError`` when the README has lost either end."""
    lines = readme.splitlines()
    try:
        path = lines.index(catalogue.LEARNING_PATH_HEADING)
        start = next(i for i in range(path + 1, len(lines)) if lines[i].startswith("### "))
        end = next(i for i in range(start, len(lines)) if lines[i].startswith(INSTRUCTORS_HEADING))
    except (ValueError, StopIteration):
        raise ValueError(f"README.md needs {catalogue.LEARNING_PATH_HEADING!r}, a '### ' section after it and {INSTRUCTORS_HEADING!r}") from None
    return "\n".join(lines[start:end]).strip() + "\n"


def student_readme(with_solutions: bool) -> str:
    """The student copy's README.md: for learners only."""
    pins = settings.PINS
    return README_TEMPLATE.read_text(encoding="utf-8").format(
        pythons=f"{settings.PYTHONS[0]}–{settings.PYTHONS[-1]}",
        pytest=pins["pytest"],
        pytest_timeout=pins["pytest-timeout"],
        solutions=SOLUTIONS_SHIPPED if with_solutions else SOLUTIONS_WITHHELD,
        learning_path_heading=catalogue.LEARNING_PATH_HEADING,
        learning_path=catalogue.learning_path(),
        learner_guide=learner_guide((catalogue.ROOT / "README.md").read_text(encoding="utf-8")),
    )


# GitHub Classroom ---------------------------------------------------------------------------
#
# The actions' contracts, as read in their repositories (classroom-resources/…@v1, action.yml and
# src/main.js): autograding-command-grader takes test-name and command (required), setup-command,
# timeout (minutes, default 10, at most 6 hours) and max-score (read with parseInt, so whole
# points); it runs the command through a shell with only PATH and HOME (plus FORCE_COLOR and two
# DOTNET_* names) in its environment, grants max-score on exit status 0, and sets the output
# `result` to base64-encoded JSON (version 1: status, max_score, tests). The step never fails
# itself, so every later step runs. autograding-grading-reporter takes `runners`, a comma-separated
# list of step ids, reads each one's result from the environment variable <ID in capitals>_RESULTS,
# adds the points up ("Points 30/160") for Classroom and fails the job if a test failed. Its error
# path checks the list against ^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$, so the step ids are letters and
# digits only (ex01, ex02, …).

#: The student copy's workflow, relative to its root.
CLASSROOM_WORKFLOW = Path(".github/workflows/classroom.yml")
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
GRADING_REPORTER = "classroom-resources/autograding-grading-reporter@v1"
#: The Python the Classroom runner grades on: the one CI also runs the tooling tests on.
CLASSROOM_PYTHON = settings.TOOLING_PYTHON
#: Minutes each exercise's grading step may take before the command grader kills it. A correct
#: answer takes seconds and a hang is cut by each check's own bounds; the worst case, every check
#: of the largest public file (19, exercise 09) reaching pytest-timeout's 30 s backstop, is 9.5.
CLASSROOM_TIMEOUT_MINUTES = 10
#: Installs the checks' pinned dependencies once, before the grading steps.
INSTALL_PINS = "python -m pip install --quiet --disable-pip-version-check " + " ".join(settings.REQUIREMENTS)


def check_command(exercise: catalogue.Exercise) -> str:
    """The shell command that runs one exercise's public checks, as `nox -s check-NN` does; exit 0 when all pass."""
    return f"python -m pytest -q -rN {exercise.test_file.relative_to(catalogue.ROOT).as_posix()}"


def classroom_workflow(exercises: list[catalogue.Exercise]) -> dict[str, Any]:
    """GitHub Classroom's autograding workflow: one command-grader step per exercise, worth its weight.

    An exercise's points are all or nothing: its step passes when every public check passes, as
    `nox -s check-NN` does. One step per check (149 of them) would give partial credit but start
    pytest 149 times, and the command grader takes whole points only (10 points over 3 checks
    cannot be split). The grader, with its hidden checks and per-check credit, stays the grade of record.
    """
    grading_steps = []
    for exercise in exercises:
        if exercise.weight != int(exercise.weight):
            raise ValueError(f"exercise {exercise.number} weighs {exercise.weight} points; GitHub Classroom's command grader takes whole points only")
        grading_steps.append({
            "name": f"{exercise.number} {exercise.title}",
            "id": f"ex{exercise.number}",
            "uses": COMMAND_GRADER,
            "with": {
                "test-name": f"{exercise.number} {exercise.title}",
                "command": check_command(exercise),
                "timeout": CLASSROOM_TIMEOUT_MINUTES,
                "max-score": int(exercise.weight),
            },
        })  # fmt: skip
    ids = [step["id"] for step in grading_steps]
    steps = [
        {"name": "Check out the code", "uses": "actions/checkout@v5"},
        {"name": f"Set up Python {CLASSROOM_PYTHON}", "uses": "actions/setup-python@v6", "with": {"python-version": CLASSROOM_PYTHON}},
        {"name": "Install the pytest and pytest-timeout versions the checks were tested with", "run": INSTALL_PINS},
        *grading_steps,
        {
            "name": "Autograding Reporter",
            "uses": GRADING_REPORTER,
            "env": {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}" for i in ids},
            "with": {"runners": ",".join(ids)},
        },
    ]  # fmt: skip
    return {
        "name": "Autograding Tests",
        "on": ["push", "repository_dispatch", "workflow_dispatch"],
        "permissions": {"checks": "write", "actions": "read", "contents": "read"},
        "jobs": {
            "run-autograding-tests": {
                "runs-on": "ubuntu-latest",
                "if": "github.actor != 'github-classroom[bot]'",  # not on Classroom's own first commit
                "steps": steps,
            }
        },
    }


#: A mapping key written without quotes; any other is written as a JSON string.
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
#: Words a YAML 1.1 reader takes for booleans (``on:`` would become ``True:``): always quoted.
_BOOLEAN_WORDS = {"on", "off", "yes", "no", "y", "n", "true", "false"}


def _yaml_key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) and key.lower() not in _BOOLEAN_WORDS else json.dumps(key)


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar
    if value in ({}, []):
        return json.dumps(value)
    raise TypeError(f"cannot write {value!r} as YAML")


def _yaml_lines(value: Any, indent: int) -> Iterator[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                yield f"{pad}{_yaml_key(key)}:"
                yield from _yaml_lines(item, indent + 1)
            else:
                yield f"{pad}{_yaml_key(key)}: {_yaml_scalar(item)}"
    else:
        for item in value:
            if isinstance(item, dict) and item:
                first, *rest = _yaml_lines(item, indent + 1)
                yield f"{pad}- {first.lstrip()}"
                yield from rest
            else:
                yield f"{pad}- {_yaml_scalar(item)}"


def to_yaml(value: dict[str, Any], comment: str = "") -> str:
    """Block-style YAML for nested dicts and lists of strings, whole numbers and booleans; every
    string is written as a JSON string (so none is read as a number, a boolean or a null)."""
    head = "".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines())
    return head + "\n".join(_yaml_lines(value, 0)) + "\n"


WORKFLOW_COMMENT = """\
GitHub Classroom autograding: one step per exercise runs its public checks and earns the
exercise's points when all of them pass. Written by the kata's release tool from its catalogue;
regenerate the student copy rather than editing this file by hand."""


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
    (destination / "README.md").write_text(student_readme(with_solutions), encoding="utf-8")
    workflow = destination / CLASSROOM_WORKFLOW
    workflow.parent.mkdir(parents=True)
    workflow.write_text(to_yaml(classroom_workflow(exercises), WORKFLOW_COMMENT), encoding="utf-8")
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
