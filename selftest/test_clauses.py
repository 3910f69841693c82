"""The checks are traced to the contract: ``kata.maint.clauses`` names, for every clause of every
catalogue row (and every every-row rule that applies), the public checks that establish it.

The check files are only parsed (``ast``), never run: a check is a top-level ``test_*`` function or an
explorer scenario's name in an ``@scenario("test_…", …)`` decorator.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kata import catalogue
from kata.maint import clauses

pytestmark = pytest.mark.tooling

EXERCISES = [pytest.param(e, id=e.stem) for e in catalogue.all_exercises()]

#: Public checks no clause needs to name: none so far. Add a name here only with a comment saying why
#: it establishes no clause of the contract (a helper-style check of the exercise's set-up, say).
UNTRACED: dict[str, frozenset[str]] = {}


def check_names(path: Path) -> set[str]:
    """The checks a test file defines: its top-level ``test_*`` functions and its scenarios' names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            if node.name.startswith("test_"):
                names.add(node.name)
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "scenario" and decorator.args
                        and isinstance(decorator.args[0], ast.Constant) and isinstance(decorator.args[0].value, str)):
                    names.add(decorator.args[0].value)
    return names


def test_every_exercise_and_no_other_has_clauses():
    numbers = [e.number for e in catalogue.all_exercises()]
    assert list(clauses.CLAUSES) == numbers, (
        f"kata/maint/clauses.py lists exercises {list(clauses.CLAUSES)}; the catalogue has {numbers}, in that order."
    )
    empty = [n for n, cs in clauses.CLAUSES.items() if not any(c.rule is None for c in cs)]
    assert not empty, f"Exercises {empty} have no clause of their own catalogue row in kata/maint/clauses.py."


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_named_check_exists(exercise):
    public, hidden = check_names(exercise.test_file), check_names(exercise.hidden_file)
    for clause in clauses.CLAUSES[exercise.number]:
        missing = [name for name in clause.checks if name not in public]
        assert not missing, (
            f"{exercise.number} clause {clause.text!r} names {missing}, which {exercise.test_file.name} does not define: "
            "a renamed or removed check must be renamed or removed in kata/maint/clauses.py too."
        )
        missing = [name for name in clause.hidden if name not in hidden]
        assert not missing, f"{exercise.number} clause {clause.text!r} names hidden checks {missing}, not in {exercise.hidden_file.name}."


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_public_check_is_traced_to_a_clause(exercise):
    named = {name for clause in clauses.CLAUSES[exercise.number] for name in clause.checks}
    untraced = check_names(exercise.test_file) - named - UNTRACED.get(exercise.stem, frozenset())
    assert not untraced, (
        f"{exercise.test_file.name} has checks no clause in kata/maint/clauses.py names: {sorted(untraced)}. "
        "Name each under the clause it establishes (or add a clause, if it holds the code to something the catalogue says)."
    )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_only_clauses_with_a_gap_note_lack_a_check(exercise):
    for clause in clauses.CLAUSES[exercise.number]:
        assert clause.checks or clause.gap, (
            f"{exercise.number} clause {clause.text!r} names no public check and gives no gap= note saying why."
        )
        assert not (clause.checks and clause.gap), f"{exercise.number} clause {clause.text!r} has checks and a gap note: drop the note."
        assert clause.rule is None or clause.rule in clauses.RULES, f"{exercise.number} clause {clause.text!r} cites no rule of RULES."
