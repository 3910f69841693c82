"""threadkata's entry points. `nox -s check-01` checks exercise 01; `nox --list` shows every session.

Learner sessions (check, check-NN, solutions, grade) share one virtualenv in .nox/kata, made on
first use and reused afterwards, so a second `nox -s check-03` starts at once. The project's own
test session runs on every supported CPython.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.reuse_venv = "yes"
nox.options.default_venv_backend = "uv|virtualenv"
# nox looks for uv before every session, even one without a virtualenv, and says "uv binary not
# found." where there is none: without uv, virtualenv is used, which is nothing to report.
logging.getLogger("nox").addFilter(lambda record: record.getMessage() != "uv binary not found.")
nox.options.sessions = ["check"]

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from kata import catalogue, settings  # noqa: E402

#: Every supported CPython (kata/settings.py); .ci/run tests 3.14 and 3.15 in a Debian sid chroot.
PYTHONS = list(settings.PYTHONS)
REQUIREMENTS = list(settings.REQUIREMENTS)
KATA_ENV = ROOT / ".nox" / "kata"


def kata_python(session: nox.Session) -> str:
    """The shared learner virtualenv's interpreter, made (once) with pytest and pytest-timeout."""
    python = KATA_ENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp = KATA_ENV / "threadkata-requirements.txt"
    wanted = "\n".join(REQUIREMENTS)
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        session.log("Setting up the kata's virtualenv (first run only) …")
        session.run(sys.executable, "-m", "virtualenv", "--quiet", "--clear", str(KATA_ENV), external=True)
        session.run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS, external=True)
        stamp.write_text(wanted)
    return str(python)


def run_checks(session: nox.Session, *tests: str, target: str | None = None) -> None:
    python = kata_python(session)
    args = ["-m", "pytest", "-q", "-rN", *tests]
    if target:
        args += ["--target", target]
    session.run(python, *args, *session.posargs, external=True)


def make_check_session(exercise: catalogue.Exercise) -> None:
    def check_one(session: nox.Session) -> None:
        test_file = exercise.test_file.relative_to(ROOT)
        # A replay names one check (tests/test_exNN_….py::test_…): run that one, not the whole file too.
        named = any(arg.replace("\\", "/").startswith(f"{test_file.as_posix()}::") for arg in session.posargs)
        run_checks(session, *([] if named else [str(test_file)]))

    check_one.__doc__ = f"Check exercise {exercise.number} ({exercise.title}): exercises/{exercise.stem}.py."
    nox.session(name=f"check-{exercise.number}", python=False, tags=["learner"])(check_one)


for _exercise in catalogue.all_exercises():
    make_check_session(_exercise)


@nox.session(python=False, tags=["learner"])
def check(session: nox.Session) -> None:
    """Check every exercise in exercises/ and summarise one line per exercise."""
    run_checks(session, "tests")


def learner_command(session: nox.Session, *args: str) -> None:
    session.run(kata_python(session), "-m", "kata.learner", *args, external=True)


def exercise_arg(session: nox.Session, usage: str) -> list[str]:
    """The session's arguments, the first of which must name an exercise (else one line saying which do)."""
    numbers = [e.number for e in catalogue.all_exercises()]
    if not session.posargs:
        session.error(f"name the exercise: nox -s {usage}")
    try:
        catalogue.find(session.posargs[0])
    except KeyError:
        session.error(f"there is no exercise {session.posargs[0]}; the exercises are {numbers[0]} to {numbers[-1]} (nox -s {usage})")
    return list(session.posargs)


@nox.session(python=False, tags=["learner"])
def progress(session: nox.Session) -> None:
    """Show every exercise in order (done, failing, not started) and what to do next."""
    learner_command(session, "progress", *session.posargs)


@nox.session(python=False, tags=["learner"])
def hint(session: nox.Session) -> None:
    """Print the next hint for an exercise: nox -s hint -- 03."""
    learner_command(session, "hint", *exercise_arg(session, "hint -- 03"))


@nox.session(python=False, tags=["learner"])
def watch(session: nox.Session) -> None:
    """Re-run the checks each time you save an exercise; move on when it passes."""
    learner_command(session, "watch", *session.posargs)


@nox.session(python=False, tags=["learner"])
def solution(session: nox.Session) -> None:
    """Show the reference solution of an exercise you have passed: nox -s solution -- 03."""
    # Exit status 1 means "no solution shown" (not passed yet, or withheld): the command's own
    # message says why, so nox does not add "Session solution failed." after it.
    session.run(kata_python(session), "-m", "kata.learner", "solution", *exercise_arg(session, "solution -- 03"), external=True, success_codes=[0, 1])


@nox.session(python=False, tags=["learner"])
def reset(session: nox.Session) -> None:
    """Restore an exercise's original stub, keeping a backup: nox -s reset -- 03 [--yes]."""
    learner_command(session, "reset", *exercise_arg(session, "reset -- 03 [--yes]"))


# Maintainer sessions exist only where their material does (not in a student copy).
MAINTAINER = catalogue.SOLUTIONS.is_dir() and (ROOT / "selftest").is_dir()


def maintainer_session(*args, **kwargs):
    return nox.session(*args, **kwargs) if MAINTAINER else (lambda function: function)


@maintainer_session(python=False)
def release(session: nox.Session) -> None:
    """Write a student copy (no solutions, hidden checks or mutants): nox -s release -- DEST."""
    session.run(kata_python(session), "-m", "kata.maint.release", *(session.posargs or ["dist/threadkata-student"]), external=True)


@maintainer_session(python=False)
def solutions(session: nox.Session) -> None:
    """Run every check against the reference solutions: all must pass."""
    run_checks(session, "tests", target="solutions")


@maintainer_session(python=False)
def mutants(session: nox.Session) -> None:
    """Run every known-buggy variant against its checks: each must be rejected in every round."""
    session.run(kata_python(session), "-m", "kata.maint.selfcheck", "mutants", *(session.posargs or ["--rounds", "3"]), external=True)


@maintainer_session(python=False)
def grade(session: nox.Session) -> None:
    """Grade submission folders: nox -s grade -- DIR [DIR ...] [--json PATH]."""
    if not session.posargs:
        session.error("name the submission folders: nox -s grade -- DIR [DIR ...] [--json results.json]")
    session.run(kata_python(session), "-m", "grader", *session.posargs, external=True)


@maintainer_session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the project's own test suite: solutions pass, mutants are rejected, the grader works."""
    session.install(*REQUIREMENTS, "nox")  # nox: the tests drive a student copy's sessions
    # Every interpreter checks every solution, alternative and mutant; the grader and learner
    # tools do not depend on the interpreter's threading, so one interpreter tests them.
    selection = [] if session.python == settings.TOOLING_PYTHON else ["-m", "not tooling"]
    rounds = str(settings.rounds())
    session.run("python", "-m", "pytest", "selftest", "-q", *selection, *session.posargs, env={settings.ROUNDS_ENV: rounds})


@maintainer_session()  # on the interpreter that runs nox: ruff does not depend on it
def lint(session: nox.Session) -> None:
    """Lint the project with ruff (settings in pyproject.toml): nox -s lint [-- --fix]."""
    session.install("ruff")
    session.run("ruff", "check", *(session.posargs or ["."]))


@maintainer_session(python=False, default=False)
def soak(session: nox.Session) -> None:
    """Measure reliability: mutants rejected in 20 of 20 rounds, solutions passing 50 of 50."""
    python = kata_python(session)
    session.run(python, "-m", "kata.maint.selfcheck", "mutants", "--rounds", "20", *session.posargs, external=True)
    session.run(python, "-m", "kata.maint.selfcheck", "alternatives", "--rounds", "20", *session.posargs, external=True)
    session.run(python, "-m", "kata.maint.selfcheck", "solutions", "--rounds", "50", *session.posargs, external=True)


@maintainer_session(python=PYTHONS, default=False, name="explore-bench")
def explore_bench(session: nox.Session) -> None:
    """Measure the race explorer: mutants found, no false alarm in 1000 schedules, replays identical."""
    session.install(*REQUIREMENTS)
    session.run("python", "-m", "kata.maint.explorebench", *session.posargs)


@maintainer_session(python=settings.TOOLING_PYTHON, default=False)
def mutation(session: nox.Session) -> None:
    """Apply every concurrency mutation operator to every solution and alternative and run each mutant: nox -s mutation [-- 06 07].

    On one interpreter, settings.TOOLING_PYTHON, in a virtualenv of its own: the one CI runs it on,
    so the reviewed equivalent mutants are judged where CI judges them.
    """
    session.install(*REQUIREMENTS)
    session.run("python", "-m", "kata.maint.mutation", *session.posargs)


@maintainer_session(python=False, default=False)
def bench(session: nox.Session) -> None:
    """Time each exercise's checks on the solution and on the stub, and each mutant's rejection."""
    session.run(kata_python(session), "-m", "kata.maint.bench", *session.posargs, external=True)
