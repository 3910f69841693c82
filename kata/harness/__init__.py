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

from kata.harness.timing import QUICK, real_sleep, SETTLE, HOLD_LIMIT, GRACE, SWITCH_RATE, SWITCH_PAUSE, HOLD_OPEN, EARLY, GATE_LIMIT, INTERVAL, WINDOW  # noqa: F401
from kata.harness.wording import HUNG, fail, expect, times, spaced, describe_threads, named, said, said_briefly, arguments  # noqa: F401
from kata.harness.calls import check_started, where_threads_wait, hung, Outcome, Call, bounded, outcome, run_together, join_all, wait_until, waiting_frame, settle  # noqa: F401
from kata.harness.forcing import preempt, PausingLock, pausing_locks, forced_races, Gauge, FirstCallHolds, in_lockstep  # noqa: F401
from kata.harness.spies import record_threads, learner_threads, fast_sleep, short_joins, executors_made, CLOCKS, clock_reads  # noqa: F401
