"""What the checks stand on, one small module per job.

* ``calls``: calling learner code with a bound (``bounded`` for a value, ``outcome`` for value or
  exception, ``Call`` to watch one while it runs, ``run_together``); hang reports that say where each thread waits.
* ``forcing``: making races happen (forced switches, pausing locks, gauges, lockstep).
* ``spies``: what learner code starts, sleeps, makes and reads.
* ``instrument``: the one per-file instruction hook.
* ``scenarios``: ``@scenario``, which registers a race-explorer scenario, makes its check and names the mutants it must find.
* ``launch``, ``counting``, ``transfers``: one exercise's machinery each (01's watched
  start_in_thread, 02's CountingThread spy, 11's stage that steers transfers into their races).
* ``timing``: the timing constants.  ``wording``: failing with a message for the learner.
* ``plugin``: the pytest hooks and fixtures (``tests/conftest.py`` re-exports them).
"""

from __future__ import annotations

from kata.harness.calls import (  # noqa: F401
    Call,
    Outcome,
    bounded,
    check_started,
    hung,
    join_all,
    outcome,
    run_together,
    settle,
    wait_until,
    waiting_frame,
    where_threads_wait,
)
from kata.harness.forcing import Company, FirstCallHolds, Gauge, Meeting, PausingLock, forced_races, in_lockstep, pausing_locks, preempt  # noqa: F401
from kata.harness.spies import CLOCKS, clock_reads, executors_made, fast_sleep, learner_threads, record_threads, short_joins  # noqa: F401
from kata.harness.timing import EARLY, GATE_LIMIT, GRACE, HOLD_LIMIT, HOLD_OPEN, INTERVAL, QUICK, SETTLE, SWITCH_PAUSE, SWITCH_RATE, WINDOW, real_sleep  # noqa: F401
from kata.harness.wording import HUNG, arguments, describe_threads, expect, fail, named, said, said_briefly, spaced, times, waited_for  # noqa: F401
