"""The timing constants of the checks: how long a quick call, a settling wait or a held first call may take."""

from __future__ import annotations

import time

#: Seconds a call that should be quick gets before the check calls it hung.
QUICK = 2.0

#: The real ``time.sleep``, kept before any check patches it.
real_sleep = time.sleep

#: How long a call that should be waiting gets to show it has settled into a wait.
SETTLE = 0.3

#: How long the first call of a FirstCallHolds holds, at most, while the other threads are still arriving.
HOLD_LIMIT = 1.5

#: How long it then keeps holding, so a second call can start if the code lets one through.
GRACE = 0.15

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
