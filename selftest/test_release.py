"""A student copy works on its own and holds nothing secret."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys

import pytest

from kata import catalogue, messages
from kata.maint import release

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

EX06 = catalogue.find("06")


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    return release.release(tmp_path_factory.mktemp("release") / "kata")


def all_text(folder) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_nothing_secret_is_shipped(student):
    for secret in ("solutions", "mutants", "alternatives", "selftest", "grader", "tests/hidden", ".ci", "kata/maint"):
        assert not (student / secret).exists(), secret
    shipped = {p.read_bytes() for p in student.rglob("*.py")}
    for solution in catalogue.SOLUTIONS.glob("*.py"):
        assert solution.read_bytes() not in shipped, f"{solution.name} leaked"
    text = all_text(student)
    for exercise in catalogue.all_exercises():
        if exercise.hidden_file.is_file():
            tree = ast.parse(exercise.hidden_file.read_text())
            for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
                assert function.name not in text, f"hidden check {function.name} leaked"


def test_copy_runs_its_checks_on_its_own(student):
    def check06(*extra):
        return subprocess.run([sys.executable, "-m", "pytest", f"tests/test_{EX06.stem}.py", "-q", *extra], cwd=student, capture_output=True, text=True, timeout=120)

    stub = check06()
    assert stub.returncode == 1 and "is not written yet" in stub.stdout
    assert messages.HIDDEN_NOTE.format(count=EX06.hidden_count()) in stub.stdout
    assert "Hint: " in stub.stdout
    shutil.copyfile(catalogue.SOLUTIONS / f"{EX06.stem}.py", student / "exercises" / f"{EX06.stem}.py")
    try:
        solved = check06()
        assert solved.returncode == 0, solved.stdout
        nxt = catalogue.all_exercises()[catalogue.all_exercises().index(EX06) + 1]
        assert messages.WELL_DONE_NEXT.format(number=nxt.number, file=f"exercises/{nxt.stem}.py") in solved.stdout
    finally:
        shutil.copyfile(catalogue.EXERCISES / f"{EX06.stem}.py", student / "exercises" / f"{EX06.stem}.py")


def test_copy_without_solutions_says_so_and_can_reset_without_git(student):
    run = subprocess.run([sys.executable, "-m", "kata.learner", "solution", "06"], cwd=student, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "not included" in run.stdout
    mine = student / "exercises" / f"{EX06.stem}.py"
    mine.write_text("# my attempt\n")
    run = subprocess.run([sys.executable, "-m", "kata.learner", "reset", "06", "--yes"], cwd=student, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "original stub again" in run.stdout
    assert mine.read_text() == (catalogue.EXERCISES / f"{EX06.stem}.py").read_text()


@pytest.mark.timeout(600)
def test_nox_sessions_in_the_copy(student):
    nox = [sys.executable, "-m", "nox"]
    if subprocess.run([*nox, "--version"], capture_output=True).returncode != 0:
        pytest.skip("nox is not installed here")
    listed = subprocess.run([*nox, "--list"], cwd=student, capture_output=True, text=True, timeout=60).stdout
    assert "check-06" in listed and "progress" in listed
    for maintainer in ("mutants", "solutions", "tests-", "soak", "grade", "release"):
        assert f"- {maintainer}" not in listed and f"* {maintainer}" not in listed, maintainer
    run = subprocess.run([*nox, "-s", "check-06"], cwd=student, capture_output=True, text=True, timeout=600)
    assert run.returncode != 0 and "is not written yet" in run.stdout + run.stderr
