"""Two calls made to meet at every point: the first is stopped before each of its steps in the learner's file in turn, and the second runs while it waits.

A race between two public methods (``submit`` while ``shutdown`` runs, ``put`` while ``close``
runs) shows only when the second call runs inside a narrow gap of the first: between a check
and the act that depends on it. :func:`at_every_step` does not hope for that gap. It runs the
pair once per step of the first call: the first call's thread, traced in the learner's file
(:func:`kata.harness.instrument.this_thread`), stops before its ``n``-th step; the second call
runs until it returns or sits still (blocked on a lock the first one holds, say); then the
first goes on. So every gap is visited once, in order, and a check written with it rejects the
racy code every time.

A step is a line of the learner's file that the call runs (a line run again, in a loop or a
new frame, is a new step): every version's per-thread trace reports lines, and stopping at
each instruction (3.10, 3.11 report those too) would cost several times as long for no gap
that a learner writes on one line.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kata.harness import instrument
from kata.harness.calls import Call
from kata.harness.timing import GATE_LIMIT, QUICK, SETTLE, real_sleep

#: The most steps of the first call that are tried (a call that takes more is stopped only at these).
MAX_STEPS = 400

#: How long the second call must sit still, in seconds, to count as blocked rather than running.
STILL = 0.006


@dataclass
class Meeting:
    """One run of the pair: where the first call was stopped, and both calls (still running, perhaps)."""

    step: int  # 1, 2, …: the step of the first call before which the second ran
    line: int  # that step's line in the learner's file
    first: Call
    second: Call


def at_every_step(file: str, make: Callable[[], tuple[Callable[[], Any], Callable[[], Any]]], max_steps: int = MAX_STEPS) -> Iterator[Meeting]:
    """For step = 1, 2, …: ``make()`` gives a fresh pair of calls ``(first, second)``; ``first``
    runs in a thread stopped before its step-th step in ``file``, ``second`` runs meanwhile until
    it returns or sits still, then ``first`` goes on. Yields each :class:`Meeting` with both calls
    let go (the caller judges their outcomes, with bounds); ends when ``first`` returns before
    reaching the step, or after ``max_steps``."""
    for step in range(1, max_steps + 1):
        first, second = make()
        stop = _StopAt(file, step)
        call = Call(stop.run, first)
        deadline = time.monotonic() + QUICK
        while not (call.done() or stop.arrived.is_set()) and time.monotonic() < deadline:
            stop.arrived.wait(0.01)
        if not stop.arrived.is_set():
            stop.go.set()
            return  # the first call ended (or hangs: its own outcome tells) before this step
        other = Call(second)
        sit_still(other)
        stop.go.set()
        yield Meeting(step, stop.line, call, other)


class _StopAt:
    """Runs a call that stops before its ``step``-th step in ``file`` until ``go`` is set."""

    def __init__(self, file: str, step: int) -> None:
        self.file, self.step = file, step
        self.seen = 0
        self.line = 0
        self.last: tuple[int, int] | None = None
        self.arrived = threading.Event()
        self.go = threading.Event()

    def run(self, func: Callable[[], Any]) -> Any:
        with instrument.this_thread(self.file, self.hook):
            return func()

    def hook(self, frame: Any) -> None:
        here = (id(frame), frame.f_lineno)
        if here == self.last:
            return  # a line's instructions are one step, on every version (3.10, 3.11 report each one)
        self.last = here
        self.seen += 1
        if self.seen == self.step:
            self.line = frame.f_lineno
            self.arrived.set()
            self.go.wait(GATE_LIMIT)


def sit_still(call: Call, limit: float = SETTLE) -> None:
    """Wait until ``call`` has finished or its thread has not moved for :data:`STILL` seconds (it
    is blocked), at most ``limit`` seconds."""
    deadline = time.monotonic() + limit
    last, since = None, time.monotonic()
    while not call.done() and time.monotonic() < deadline:
        frame = sys._current_frames().get(call.thread.ident)  # type: ignore[arg-type]
        here = None if frame is None else (id(frame), frame.f_lasti)
        now = time.monotonic()
        if here != last:
            last, since = here, now
        elif now - since >= STILL:
            return
        real_sleep(0.001)
