"""Where the kata keeps its exercises, hints and mutants, and how a target folder is chosen.

Every exercise is one stem (``ex03_join_all``) used by ``exercises/``, ``solutions/``,
``tests/test_<stem>.py``, ``hints/<stem>.md`` and ``mutants/<stem>/``.
"""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"
TESTS = ROOT / "tests"
HINTS = ROOT / "hints"
MUTANTS = ROOT / "mutants"
ALTERNATIVES = ROOT / "alternatives"
#: In a student release: how many hidden checks the grader adds per exercise.
HIDDEN_MANIFEST = ROOT / "kata" / "hidden-checks.json"

#: Environment variable naming the folder the checks import exercise modules from.
TARGET_ENV = "THREADKATA_TARGET"

_STEM = re.compile(r"^ex(\d\d)_\w+$")


@dataclass(frozen=True)
class Exercise:
    """One exercise of the learning path."""

    number: str  # "03"
    stem: str  # "ex03_join_all"

    @property
    def title(self) -> str:
        """The stem without its number, as words: ``join all``."""
        return self.stem.split("_", 1)[1].replace("_", " ")

    @property
    def test_file(self) -> Path:
        return TESTS / f"test_{self.stem}.py"

    @property
    def hidden_file(self) -> Path:
        """The checks only the grader runs (absent from a student release)."""
        return TESTS / "hidden" / f"test_{self.stem}_hidden.py"

    def hidden_count(self) -> int:
        """How many hidden checks the grader adds: counted in the file, or read from a release's manifest."""
        if self.hidden_file.is_file():
            tree = ast.parse(self.hidden_file.read_text(encoding="utf-8"))
            return sum(isinstance(n, ast.FunctionDef) and n.name.startswith("test_") for n in tree.body)
        try:
            return int(json.loads(HIDDEN_MANIFEST.read_text(encoding="utf-8")).get(self.stem, 0))
        except (OSError, ValueError):
            return 0

    @property
    def hint_file(self) -> Path:
        return HINTS / f"{self.stem}.md"

    def hints(self) -> list[str]:
        """The exercise's hints in order, each a paragraph of plain text."""
        return read_hints(self.hint_file)

    def mutants(self) -> list[Path]:
        """The known-buggy variants kept for this exercise."""
        return sorted((MUTANTS / self.stem).glob("*.py"))

    def alternatives(self) -> list[Path]:
        """Correct answers written differently from the reference solution."""
        return sorted((ALTERNATIVES / self.stem).glob("*.py"))


def all_exercises() -> list[Exercise]:
    """Every exercise that has checks, in learning-path order."""
    found = []
    for path in sorted(TESTS.glob("test_ex*.py")):
        stem = path.stem[len("test_") :]
        match = _STEM.match(stem)
        if match:
            found.append(Exercise(match.group(1), stem))
    return found


def find(key: str) -> Exercise:
    """The exercise named by its number (``3``, ``03``) or stem; ``KeyError`` otherwise."""
    key = key.strip()
    for exercise in all_exercises():
        if key in (exercise.stem, exercise.number) or (key.isdigit() and int(key) == int(exercise.number)):
            return exercise
    raise KeyError(key)


def stem_of(test_module_name: str) -> str | None:
    """``test_ex03_join_all`` (or ``…_hidden``) -> ``ex03_join_all``; ``None`` for other modules."""
    name = test_module_name.rsplit(".", 1)[-1].removesuffix("_hidden")
    if name.startswith("test_") and _STEM.match(name[len("test_") :]):
        return name[len("test_") :]
    return None


def read_hints(path: Path) -> list[str]:
    """Split a hint file into hints: each ``## Hint N`` heading starts one."""
    if not path.is_file():
        return []
    hints: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            hints.append([])
        elif hints:
            hints[-1].append(line)
    return ["\n".join(lines).strip() for lines in hints if "".join(lines).strip()]


def resolve_target(option: str | None, cwd: Path | None = None) -> Path:
    """The folder to import exercise modules from: the option, else $THREADKATA_TARGET, else exercises/."""
    chosen = option or os.environ.get(TARGET_ENV) or ""
    if not chosen:
        return EXERCISES
    path = Path(chosen).expanduser()
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    return path.resolve()
