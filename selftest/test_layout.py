"""The tree matches the catalogue, the way rustlings' `dev check` holds exercises to info.toml.

Every row of ``kata.catalogue.CATALOGUE`` has its stub, solution, checks, hints, mutants and
alternatives, in the agreed shape, and no such file exists that no row names. Each message says
what is missing and which step of the README's "Adding an exercise" makes it.
"""

from __future__ import annotations

import ast
import re

import pytest

from kata import catalogue, hints

EXERCISES = [pytest.param(e, id=e.stem) for e in catalogue.all_exercises()]
STEMS = {e.stem for e in catalogue.all_exercises()}


def step(number: int) -> str:
    """Where a contributor reads how to make the missing piece."""
    return f"(README.md, 'Adding an exercise', step {number})"


def public_names(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}


def test_every_exercise_is_numbered_once_in_learning_path_order():
    numbers = [e.number for e in catalogue.all_exercises()]
    assert numbers == [f"{n:02d}" for n in range(1, len(numbers) + 1)], f"the catalogue's numbers must run 01, 02, … without gaps: {numbers} {step(1)}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_each_row_is_complete(exercise):
    assert re.fullmatch(rf"ex{exercise.number}_[a-z0-9_]+", exercise.stem), f"stem {exercise.stem!r} must be ex{exercise.number}_<name> {step(1)}"
    assert exercise.title == exercise.stem.split("_", 1)[1].replace("_", " "), f"{exercise.stem}: the title is the stem's name as words {step(1)}"
    one_line = exercise.learns and "\n" not in exercise.learns and "|" not in exercise.learns
    assert one_line, f"{exercise.stem}: 'learns' is one line for the README's table {step(1)}"
    assert exercise.api, f"{exercise.stem}: name the public functions and classes the stub offers {step(1)}"
    assert exercise.weight > 0, f"{exercise.stem}: the weight is the exercise's points in the grader {step(1)}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_stub_and_solution_exist_with_the_same_public_names(exercise):
    assert exercise.stub_file.is_file(), f"exercises/{exercise.stem}.py is missing: write the stub {step(2)}"
    assert exercise.solution_file.is_file(), f"solutions/{exercise.stem}.py is missing: write the reference solution {step(3)}"
    stub, solution = public_names(exercise.stub_file), public_names(exercise.solution_file)
    missing = sorted(set(exercise.api) - stub)
    assert not missing, f"exercises/{exercise.stem}.py does not define {missing}, which the catalogue row names {step(2)}"
    assert set(exercise.api) <= solution, f"solutions/{exercise.stem}.py does not define {sorted(set(exercise.api) - solution)} {step(3)}"
    assert stub == solution, f"the stub and the solution must offer the same public names: {sorted(stub)} vs {sorted(solution)} {step(3)}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_stub_marks_every_edit_point_and_raises(exercise):
    assert exercise.stub_file.is_file(), f"exercises/{exercise.stem}.py is missing {step(2)}"
    text = exercise.stub_file.read_text(encoding="utf-8")
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"exercises/{exercise.stem}.py opens with a docstring that says what to do {step(2)}"
    lines = text.splitlines()
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert functions, f"exercises/{exercise.stem}.py defines nothing to write {step(2)}"
    for function in functions:
        body = "\n".join(lines[function.lineno - 1 : function.end_lineno])
        raises = any(isinstance(n, ast.Raise) and n.exc is not None and "NotImplementedError" in ast.unparse(n.exc) for n in ast.walk(function))
        assert "TODO" in body and raises, f"exercises/{exercise.stem}.py: {function.name}() needs a '# TODO:' and 'raise NotImplementedError' {step(2)}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_a_commented_alternative(exercise):
    alternatives = exercise.alternatives()
    assert alternatives, f"alternatives/{exercise.stem}/ holds no correct-but-different answer {step(3)}"
    for alternative in alternatives:
        assert alternative.read_text(encoding="utf-8").startswith("# OK: "), f"{alternative.name} must open with '# OK: <what differs>' {step(3)}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_checks(exercise):
    assert exercise.test_file.is_file(), f"tests/test_{exercise.stem}.py is missing: write the checks {step(4)}"
    tree = ast.parse(exercise.test_file.read_text(encoding="utf-8"))
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert checks, f"tests/test_{exercise.stem}.py holds no test_… check {step(4)}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_at_least_four_commented_mutants(exercise):
    mutants = exercise.mutants()
    assert len(mutants) >= 4, f"mutants/{exercise.stem}/ holds {len(mutants)} mutants, at least 4 are needed {step(5)}"
    for mutant in mutants:
        first = mutant.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# BUG: "), f"{mutant.name} must open with '# BUG: <what is wrong>' {step(5)}"
        if exercise.solution_file.is_file():
            assert public_names(mutant) >= public_names(exercise.solution_file), f"{mutant.name} lacks public names of the solution {step(5)}"


#: A line of ``mutants/<stem>/EQUIVALENT.txt``: a generated mutant's id (origin:operator:function:nth), then why it is harmless.
EQUIVALENT_LINE = re.compile(r"^(?P<origin>[\w.-]+):(?P<operator>\w+):(?P<function>[\w<>]+):(?P<nth>\d+)\s+#\s*(?P<why>\S.*)$")


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_mutants_folder_holds_mutants_and_at_most_a_reviewed_list_of_equivalent_ones(exercise):
    folder = catalogue.MUTANTS / exercise.stem
    others = sorted(p.name for p in folder.iterdir() if p.suffix != ".py" and p.name not in ("EQUIVALENT.txt", "__pycache__")) if folder.is_dir() else []
    assert not others, f"mutants/{exercise.stem}/ holds {others}: only mutants (*.py) and EQUIVALENT.txt belong there {step(5)}"
    listing = folder / "EQUIVALENT.txt"
    if not listing.is_file():
        return
    origins = {"solution", *(p.stem for p in exercise.alternatives())}
    for number, raw in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = EQUIVALENT_LINE.match(line)
        assert match, f"mutants/{exercise.stem}/EQUIVALENT.txt line {number} must read '<origin>:<operator>:<function>:<n>  # <why it behaves correctly>'"
        assert match["origin"] in origins, (
            f"mutants/{exercise.stem}/EQUIVALENT.txt line {number} names {match['origin']!r}, which is neither the solution nor an alternative"
        )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_hints(exercise):
    assert exercise.hint_file.is_file(), f"hints/{exercise.stem}.md is missing {step(5)}"
    assert exercise.hints(), f"hints/{exercise.stem}.md has no '## Hint N' section {step(5)}"
    names = " ".join(re.findall(r"\btest_\w+", exercise.test_file.read_text(encoding="utf-8")))  # checks and @scenario names
    for hint in hints.read(exercise.hint_file):  # `## Hint N — for: word, …`: each word names some check
        unknown = [word for word in hint.words if word not in names]
        assert not unknown, f"hints/{exercise.stem}.md Hint {hint.number} is for {unknown}, which no check of {exercise.test_file.name} is named after"


def strays() -> list[str]:
    """Files and folders that look like an exercise's but that no row of the catalogue names."""
    found = []
    for folder, pattern, stem_of in (
        (catalogue.EXERCISES, "*", lambda p: p.stem),
        (catalogue.SOLUTIONS, "*", lambda p: p.stem),
        (catalogue.TESTS, "test_ex*", lambda p: p.stem.removeprefix("test_")),
        (catalogue.TESTS / "hidden", "test_ex*", lambda p: p.stem.removeprefix("test_").removesuffix("_hidden")),
        (catalogue.HINTS, "*", lambda p: p.stem),
        (catalogue.MUTANTS, "*", lambda p: p.name),
        (catalogue.ALTERNATIVES, "*", lambda p: p.name),
    ):
        for path in sorted(folder.glob(pattern)):
            if path.name != "__pycache__" and stem_of(path) not in STEMS:
                found.append(str(path.relative_to(catalogue.ROOT)))
    return found


def test_no_file_belongs_to_an_exercise_the_catalogue_does_not_name():
    assert not strays(), f"no row of kata/catalogue.py names {strays()}: add the exercise's row {step(1)} or remove them"


def readme_learning_path() -> str:
    """The table under the README's learning-path heading, as written."""
    lines = (catalogue.ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(catalogue.LEARNING_PATH_HEADING)
    table = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            table.append(line)
        elif table or line.startswith("#"):
            break
    return "\n".join(table) + "\n"


def test_the_readme_learning_path_is_the_catalogue():
    assert readme_learning_path() == catalogue.learning_path(), (
        "README.md's learning path differs from kata/catalogue.py's table: replace it with the output of"
        f" `python -m kata.catalogue --markdown` {step(1)}"
    )
