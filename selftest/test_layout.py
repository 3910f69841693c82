"""Every exercise has its stub, solution, checks, hints, mutants and alternatives, in the agreed shape."""

from __future__ import annotations

import ast

import pytest

from kata import catalogue

EXERCISES = [pytest.param(e, id=e.stem) for e in catalogue.all_exercises()]


def public_names(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}


def test_every_exercise_is_numbered_once():
    numbers = [e.number for e in catalogue.all_exercises()]
    assert numbers == sorted(set(numbers)), numbers


@pytest.mark.parametrize("exercise", EXERCISES)
def test_stub_and_solution_exist_with_the_same_public_names(exercise):
    stub = catalogue.EXERCISES / f"{exercise.stem}.py"
    solution = catalogue.SOLUTIONS / f"{exercise.stem}.py"
    assert stub.is_file() and solution.is_file()
    assert public_names(stub) == public_names(solution), "the stub and the solution must offer the same public names"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_stub_marks_its_edit_points_and_raises(exercise):
    text = (catalogue.EXERCISES / f"{exercise.stem}.py").read_text(encoding="utf-8")
    assert "TODO" in text and "raise NotImplementedError" in text
    assert ast.get_docstring(ast.parse(text)), "the stub opens with a docstring that says what to do"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_hints(exercise):
    assert exercise.hints(), f"{exercise.hint_file.name} has no '## Hint N' section"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_at_least_four_commented_mutants(exercise):
    mutants = exercise.mutants()
    assert len(mutants) >= 4, f"only {len(mutants)} mutants"
    for mutant in mutants:
        first = mutant.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# BUG: "), f"{mutant.name} must open with '# BUG: <what is wrong>'"
        assert public_names(mutant) >= public_names(catalogue.SOLUTIONS / f"{exercise.stem}.py"), f"{mutant.name} lacks public names"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_a_commented_alternative(exercise):
    alternatives = exercise.alternatives()
    assert alternatives, "no correct-but-different alternative"
    for alternative in alternatives:
        assert alternative.read_text(encoding="utf-8").startswith("# OK: "), f"{alternative.name} must open with '# OK: <what differs>'"


def test_the_readme_learning_path_is_the_catalogue():
    readme = (catalogue.ROOT / "README.md").read_text(encoding="utf-8")
    assert catalogue.learning_path() in readme, (
        "README.md's learning path differs from kata/catalogue.py's table: paste the output of"
        " `python -m kata.catalogue --markdown` under '### The learning path'"
    )
