"""Spies on what learner code does: the threads it starts, the sleeps it asks for, the executors it makes, the clocks it reads."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from kata.harness.timing import real_sleep


@contextlib.contextmanager
def record_threads() -> Iterator[list[threading.Thread]]:
    """Collect every ``Thread`` whose ``start()`` is called inside the block, in start order."""
    started: list[threading.Thread] = []
    original = threading.Thread.start
    ours = threading.get_ident()

    def start(self: threading.Thread) -> None:
        if self.name != "kata-caller" or threading.get_ident() != ours:
            started.append(self)
        original(self)

    threading.Thread.start = start  # type: ignore[method-assign]
    try:
        yield started
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]


def learner_threads(started: Iterable[threading.Thread]) -> list[threading.Thread]:
    """The recorded threads that are not the checks' own callers."""
    return [t for t in started if t.name != "kata-caller"]


@contextlib.contextmanager
def fast_sleep(module: Any) -> Iterator[list[float]]:
    """Make ``time.sleep`` return at once when called from ``module``'s own code.

    A sleep that stands in for ``join`` or for waiting on an event then shows up at once
    instead of guessing right by luck. Sleeps elsewhere are untouched. Yields the list of
    durations the learner's code asked for.
    """
    file = module.__file__
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        caller = sys._getframe(1)
        if caller.f_code.co_filename == file:
            asked.append(seconds)
            real_sleep(0)
        else:
            real_sleep(seconds)

    patched_module = getattr(module, "sleep", None) is real_sleep
    time.sleep = sleep  # type: ignore[assignment]
    if patched_module:
        module.sleep = sleep
    try:
        yield asked
    finally:
        time.sleep = real_sleep  # type: ignore[assignment]
        if patched_module:
            module.sleep = real_sleep


@contextlib.contextmanager
def short_joins(module: Any, longest: float = 0.0) -> Iterator[list[float | None]]:
    """Make ``Thread.join(timeout)`` called from ``module``'s own code wait at most ``longest`` seconds.

    A join with a timeout may return while its thread still runs; code that relies on the
    timeout being long enough then shows it at once, as if the task had run longer than any
    guess. ``join()`` without a timeout is untouched. Yields the timeouts the code asked for.
    """
    file = module.__file__
    asked: list[float | None] = []
    original = threading.Thread.join

    def join(self: threading.Thread, timeout: float | None = None) -> None:
        if timeout is not None and sys._getframe(1).f_code.co_filename == file:
            asked.append(timeout)
            timeout = min(timeout, longest)
        original(self, timeout)

    threading.Thread.join = join  # type: ignore[method-assign]
    try:
        yield asked
    finally:
        threading.Thread.join = original  # type: ignore[method-assign]


@contextlib.contextmanager
def executors_made() -> Iterator[list[Any]]:
    """Record every ``concurrent.futures.ThreadPoolExecutor`` (or subclass) created inside the block."""
    from concurrent.futures import ThreadPoolExecutor

    made: list = []
    real_init = ThreadPoolExecutor.__dict__["__init__"]

    def init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    ThreadPoolExecutor.__init__ = init
    try:
        yield made
    finally:
        ThreadPoolExecutor.__init__ = real_init


#: The clocks a busy-waiting loop reads.
CLOCKS = ("monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "time", "time_ns")


@contextlib.contextmanager
def clock_reads(module: Any) -> Iterator[list[int]]:
    """Count the calls of time.monotonic() and the other clocks made from ``module``'s own code.

    A loop that keeps checking the clock shows up here by the thousand, however little CPU a crowded
    machine gives it; code that waits reads the clock a few times per wake-up. Yields a one-item list.
    """
    file, count = module.__file__, [0]
    originals = {name: getattr(time, name) for name in CLOCKS}

    def counting(real):
        def clock():
            if sys._getframe(1).f_code.co_filename == file:
                count[0] += 1
            return real()

        return clock

    patched = {name: counting(real) for name, real in originals.items()}
    imported = [name for name, real in originals.items() if getattr(module, name, None) is real]  # from time import monotonic
    for name, clock in patched.items():
        setattr(time, name, clock)
    for name in imported:
        setattr(module, name, patched[name])
    try:
        yield count
    finally:
        for name, real in originals.items():
            setattr(time, name, real)
        for name in imported:
            setattr(module, name, originals[name])
