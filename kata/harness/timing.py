"""The timing constants of the checks: how long a quick call, a settling wait or a held first call may take.

The waits a slow machine may need longer (QUICK, SETTLE, HOLD_LIMIT, GRACE) go through one time
scale, ``$THREADKATA_TIME_SCALE`` (``kata.settings.time_scale()``, default 1.0, never below 1), so
stretching every bound takes one setting. The values below are those at scale 1.
"""

from __future__ import annotations

import time

from kata import settings

#: The factor the waits below are multiplied by (``$THREADKATA_TIME_SCALE``, default 1.0).
TIME_SCALE = settings.time_scale()

#: Seconds a call that should be quick gets before the check calls it hung.
QUICK = 2.0 * TIME_SCALE

#: The real ``time.sleep``, kept before any check patches it.
real_sleep = time.sleep

#: How long a call that should be waiting gets to show it has settled into a wait.
SETTLE = 0.3 * TIME_SCALE

#: How long the first call of a FirstCallHolds holds, at most, while the other threads are still arriving.
HOLD_LIMIT = 1.5 * TIME_SCALE

#: How long it then keeps holding, so a second call can start if the code lets one through.
GRACE = 0.15 * TIME_SCALE

#: In lockstep checks: how often a thread is made to switch, per bytecode it runs in the learner's
#: file, and how long it then sleeps, so that the threads just woken from the barrier catch up.
SWITCH_RATE = 0.2
SWITCH_PAUSE = 1e-4

#: How long a held task or call keeps running while the check watches whether its caller returns too early.
HOLD_OPEN = 0.3

#: How long a call gets, with the work it started still blocked, before the check decides it returned too early.
EARLY = 0.2

#: The longest a blocked task or call waits for its gate; the checks always open it much sooner.
GATE_LIMIT = 5.0

#: In checks of periodic work: the interval asked for, and how long the check watches the calls.
INTERVAL = 0.04
WINDOW = 0.3
