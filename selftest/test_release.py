"""A student copy works on its own and holds nothing secret."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from kata import catalogue, messages, settings
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
    for secret in ("solutions", "mutants", "alternatives", "selftest", "grader", "tests/hidden", ".ci", "kata/maint", ".github/workflows/grade-class.yml"):
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
        return subprocess.run(
            [sys.executable, "-m", "pytest", f"tests/test_{EX06.stem}.py", "-q", *extra],
            cwd=student,
            capture_output=True,
            text=True,
            timeout=120,
        )

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


def test_the_copy_installs_the_exact_pytest_and_pytest_timeout_the_kata_is_tested_with(student):
    shown = "from kata import settings; print(*settings.REQUIREMENTS)"
    run = subprocess.run([sys.executable, "-c", shown], cwd=student, capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.split() == [f"{name}=={version}" for name, version in settings.PINS.items()] == list(settings.REQUIREMENTS)
    assert set(settings.PINS) == {"pytest", "pytest-timeout"}


#: What only instructors and contributors read: the project README's sections on grading, the
#: threat model, mutants, maintainer tools and CI.
INSTRUCTORS_ONLY = ("For instructors", "For contributors", "python -m grader", "Gradescope", "Threat model", "mutant", "Mutation", "Adding an exercise")
INSTRUCTORS_ONLY += ("selfcheck", "tests/hidden", "nox -s tests", ".ci/")


def test_the_student_readme_is_for_learners_only(student):
    readme = (student / "README.md").read_text(encoding="utf-8")
    assert catalogue.LEARNING_PATH_HEADING + "\n\n" + catalogue.learning_path() in readme
    for loop in ("nox -s check-01", "python3 -m nox", "nox -s hint", "nox -s watch", "nox -s progress", "nox -s reset", "nox -s solution", "Reading a failure"):
        assert loop in readme, loop
    assert release.SOLUTIONS_WITHHELD.strip() in readme and release.SOLUTIONS_SHIPPED.strip() not in readme
    for pin in settings.REQUIREMENTS:
        assert pin.replace("==", " ") in readme, pin
    for instructors_only in INSTRUCTORS_ONLY:
        assert instructors_only.lower() not in readme.lower(), instructors_only
    assert not re.search(r"\{[a-z_]+\}", readme), "a template placeholder was left unfilled"


def test_the_readme_of_a_copy_with_solutions_says_how_to_see_them():
    readme = release.student_readme(with_solutions=True)
    assert release.SOLUTIONS_SHIPPED.strip() in readme and release.SOLUTIONS_WITHHELD.strip() not in readme


def read_yaml(text: str):
    """Read back the block YAML that release.to_yaml writes: mappings, sequences, JSON scalars."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert not [line for line in lines if "\t" in line or (len(line) - len(line.lstrip(" "))) % 2], "tabs or odd indentation"
    entry = re.compile(r'^("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*):(?: (.+))?$')

    def indent(i):
        return len(lines[i]) - len(lines[i].lstrip(" "))

    def block(i, level):
        if lines[i][level:].startswith("- "):
            items = []
            while i < len(lines) and indent(i) == level and lines[i][level:].startswith("- "):
                rest = lines[i][level + 2 :]
                if entry.match(rest):  # "- key: value" opens a mapping inside the sequence
                    lines[i] = " " * (level + 2) + rest
                    item, i = block(i, level + 2)
                else:
                    item, i = json.loads(rest), i + 1
                items.append(item)
            return items, i
        mapping = {}
        while i < len(lines) and indent(i) == level and not lines[i][level:].startswith("- "):
            match = entry.match(lines[i][level:])
            assert match, f"not a YAML mapping entry: {lines[i]!r}"
            key = json.loads(match[1]) if match[1].startswith('"') else match[1]
            assert key not in mapping, f"{key} twice"
            if match[2] is not None:
                mapping[key], i = json.loads(match[2]), i + 1
            else:
                assert i + 1 < len(lines) and indent(i + 1) > level, f"{key}: has no value"
                mapping[key], i = block(i + 1, indent(i + 1))
        return mapping, i

    value, end = block(0, 0)
    assert end == len(lines), f"unread line: {lines[end]!r}"
    return value


def test_the_classroom_workflow_is_valid_yaml_with_a_grading_step_per_exercise(student):
    text = (student / release.CLASSROOM_WORKFLOW).read_text(encoding="utf-8")
    workflow = release.classroom_workflow(catalogue.all_exercises())
    assert read_yaml(text) == workflow
    try:
        import yaml  # PyYAML, where it is installed: a real YAML parser agrees
    except ImportError:
        pass
    else:
        assert yaml.safe_load(text) == workflow
    assert set(workflow["on"]) == {"push", "repository_dispatch", "workflow_dispatch"}
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    [job] = workflow["jobs"].values()
    graders = [s for s in job["steps"] if s.get("uses") == release.COMMAND_GRADER]
    assert [s["with"]["max-score"] for s in graders] == [int(e.weight) for e in catalogue.all_exercises()]
    assert [s["with"]["command"] for s in graders] == [release.check_command(e) for e in catalogue.all_exercises()]
    for step in graders:
        assert set(step["with"]) <= {"test-name", "setup-command", "command", "timeout", "max-score"} and re.fullmatch(r"[a-z0-9]+", step["id"])
    [reporter] = [s for s in job["steps"] if s.get("uses") == release.GRADING_REPORTER]
    ids = [s["id"] for s in graders]
    assert reporter["with"]["runners"] == ",".join(ids)
    assert reporter["env"] == {f"{i.upper()}_RESULTS": "${{ steps.%s.outputs.result }}" % i for i in ids}
    install = "\n".join(s.get("run", "") for s in job["steps"][: job["steps"].index(graders[0])])
    assert all(pin in install for pin in settings.REQUIREMENTS)


def test_a_classroom_grading_command_fails_a_stub_and_passes_a_solution_in_the_copy(student):
    """Run as the command grader runs it: through a shell, in the copy, with only PATH and HOME set."""
    ex01 = catalogue.find("01")
    [step] = [s for s in release.classroom_workflow([ex01])["jobs"]["run-autograding-tests"]["steps"] if s.get("id") == "ex01"]
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}

    def grade():
        return subprocess.run(step["with"]["command"], shell=True, cwd=student, env=env, capture_output=True, text=True, timeout=120)

    stub = grade()
    assert stub.returncode != 0 and "is not written yet" in stub.stdout, stub.stdout[-2000:]
    mine = student / "exercises" / f"{ex01.stem}.py"
    shutil.copyfile(ex01.solution_file, mine)
    try:
        solved = grade()
        assert solved.returncode == 0, solved.stdout[-2000:]
    finally:
        shutil.copyfile(ex01.stub_file, mine)
