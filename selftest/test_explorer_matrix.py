"""The race explorer finds every mutant its exercise says it must, and never fails correct code.

Each exercise whose checks declare explorer scenarios (``@scenario`` in its test file) is measured
by ``kata.maint.explorebench``: every mutant a scenario names in ``finds=`` found by that scenario within
the checks' schedule budget, its failing seed replayed to the identical message, and the solution and every
alternative run for $THREADKATA_EXPLORE_SCHEDULES schedules per scenario (default 200; the benchmark
in the README uses 1000) without a failure.
"""

from __future__ import annotations

import pytest

from kata import settings
from kata.maint import explorebench

SCHEDULES = settings.explore_schedules()
#: Seconds one exercise's measurement may take: 200 schedules of every scenario on every correct
#: variant, plus the mutants, take up to 24 s for exercise 09 on a loaded 2-core machine (3.10),
#: too close to the 30 s backstop meant for a single check.
MEASURE_TIMEOUT = 180
EXPLORED = [pytest.param(e, id=e.stem) for e in explorebench.explored([])]


def test_some_exercises_use_the_explorer():
    assert len(EXPLORED) >= 1


@pytest.mark.timeout(MEASURE_TIMEOUT)
@pytest.mark.parametrize("exercise", EXPLORED)
def test_explorer_finds_its_mutants_and_spares_correct_code(exercise):
    scenarios, finds = explorebench.scenarios_of(exercise)
    mutants = {m.stem for m in exercise.mutants()}
    assert finds, f"{exercise.stem} explores but names no mutant the explorer must find"
    assert set(finds) <= mutants, f"a scenario's finds= names mutants that do not exist: {sorted(set(finds) - mutants)}"
    for scenario in scenarios:
        assert scenario.check.startswith("test_explorer_") and scenario.name, scenario
    result = explorebench.measure(exercise, SCHEDULES, replays=3)
    assert not result.problems, "\n".join(result.problems)
