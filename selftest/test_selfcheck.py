"""Every reference solution and alternative passes its checks; every known-buggy variant is rejected.

Rounds come from $THREADKATA_ROUNDS (default 1, see kata/settings.py); `nox -s soak` runs the longer 20/50-round measurement.
All runs start at once on a small pool of child processes, and each test waits for its own.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from kata import catalogue, settings
from kata.maint import selfcheck

ROUNDS = settings.rounds()
JOBS = settings.jobs()

EXERCISES = catalogue.all_exercises()
SOLUTIONS = [pytest.param(e, id=e.stem) for e in EXERCISES]
MUTANTS = [pytest.param(e, m, id=f"{e.stem}/{m.stem}") for e in EXERCISES for m in e.mutants()]
ALTERNATIVES = [pytest.param(e, a, id=f"{e.stem}/{a.stem}") for e in EXERCISES for a in e.alternatives()]


@pytest.fixture(scope="session")
def pool():
    with ThreadPoolExecutor(JOBS) as executor:
        yield executor


@pytest.fixture(scope="session")
def verdicts(pool, request) -> dict[tuple[str, str], Future]:
    """Start the run of every collected test at once; each test then waits for its own."""
    futures = {}
    for item in request.session.items:
        params = getattr(item, "callspec", None)
        if params is None or "exercise" not in params.params:
            continue
        exercise = params.params["exercise"]
        if "mutant" in params.params:
            job = (selfcheck.check_variant, exercise, params.params["mutant"], ROUNDS, True)
        elif "alternative" in params.params:
            job = (selfcheck.check_variant, exercise, params.params["alternative"], ROUNDS, False)
        else:
            job = (selfcheck.check_solution, exercise, ROUNDS)
        futures[item.nodeid] = pool.submit(*job)
    return futures


def judge(verdict: selfcheck.Verdict) -> None:
    assert verdict.ok, verdict.line() + "\n" + verdict.run.output[-4000:]


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("exercise", SOLUTIONS)
def test_solution_passes_every_round(verdicts, request, exercise):
    judge(verdicts[request.node.nodeid].result())


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(("exercise", "mutant"), MUTANTS)
def test_mutant_is_rejected_every_round(verdicts, request, exercise, mutant):
    judge(verdicts[request.node.nodeid].result())


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(("exercise", "alternative"), ALTERNATIVES)
def test_alternative_passes_every_round(verdicts, request, exercise, alternative):
    judge(verdicts[request.node.nodeid].result())
