"""Watching one call of start_in_thread (exercise 01): which thread ran func, whether the call
waited for it or joined it, and what it returned."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from kata.harness.calls import Call, where_threads_wait
from kata.harness.timing import QUICK
from kata.harness.wording import expect, fail

#: How long work() waits at its gate if a check never opens it (every check opens it sooner).
WORK_GATE_LIMIT = 10.0

IN_CALLER = (
    "{call} ran {func} in the thread that called it ({caller!r}), not in a new thread. "
    "`Thread(target=func(*args))` calls func at once, right there, and `thread.run()` runs the "
    "target in the calling thread: pass the function itself (`target=func, args=args`) and call start()."
)
WAITED = (
    "{call} had not returned {seconds:g} s after work() began running in thread {thread!r} — it "
    "waited for work() to finish. Return the thread right after start(); the caller joins it later "
    "if it wants to wait."
)
JOINED = (
    "{call} called join() on thread {thread!r} before returning, so it waits for work() to finish "
    "(with a timeout, it still waits that long). Return the thread right after start(); the caller "
    "joins it later if it wants to wait."
)
NOT_STARTED = (
    "{call} returned a thread that was never started (its ident is None), so {func} never ran. "
    "Call the thread's start() before returning it."
)


class Work:
    """The func given to start_in_thread: records each call (its thread and arguments) and,
    if held, waits at a gate so the check can look while it is still running."""

    def __init__(self, hold: bool) -> None:
        self.calls: list[tuple[threading.Thread, int, tuple[Any, ...]]] = []
        self.entered = threading.Event()
        self.gate = threading.Event()
        if not hold:
            self.gate.set()

        def work(*args: Any) -> None:
            self.calls.append((threading.current_thread(), threading.get_ident(), args))
            self.entered.set()
            self.gate.wait(WORK_GATE_LIMIT)

        self.func = work


class Launch:
    """One call of start_in_thread(work, *args), made from a non-daemon 'kata-caller' thread."""

    def __init__(self, exercise: Any, args: tuple[Any, ...], hold: bool, joins: list[tuple[int, threading.Thread]]) -> None:
        self.args = args
        self.joins = joins
        self.files = [exercise.__file__]
        self.work = Work(hold)
        self.call = Call(exercise.start_in_thread, self.work.func, *args)
        self.what = f"start_in_thread({', '.join(['work', *map(repr, args)])})"

    def ran_in_caller(self) -> bool:
        return any(ident == self.call.thread.ident for _, ident, _ in self.work.calls)

    def caller_joined(self) -> threading.Thread | None:
        """A thread that start_in_thread called join() on, if it did."""
        for ident, thread in list(self.joins):
            if ident == self.call.thread.ident:
                return thread
        return None

    def expect_no_join(self) -> None:
        __tracebackhide__ = True
        joined = self.caller_joined()
        if joined is not None:
            fail(JOINED.format(call=self.what, thread=joined.name), cause=JOINED)

    def returned_thread(self) -> threading.Thread:
        """What the call returned, checked to be a started Thread; fails with the reason otherwise."""
        __tracebackhide__ = True
        deadline = time.monotonic() + QUICK
        while not self.call.wait(0.002) and not self.ran_in_caller() and time.monotonic() < deadline:
            self.expect_no_join()
        if self.ran_in_caller():
            fail(IN_CALLER.format(call=self.what, caller=self.call.thread.name, func="work()"), cause=IN_CALLER)
        self.expect_no_join()
        if not self.call.done():
            if self.work.entered.is_set():
                fail(WAITED.format(call=self.what, seconds=QUICK, thread=self.work.calls[0][0].name), cause=WAITED)
            fail(
                f"{self.what} did not return within {QUICK:g} s, and work() has not started. Is it waiting "
                f"for something that never happens?\nWhere the threads are:\n{where_threads_wait(self.files)}"
            )
        thread = self.call.result(what=self.what, limit=0)
        expect(
            isinstance(thread, threading.Thread),
            f"{self.what} returned {thread!r}; expected the threading.Thread it started. Did you forget `return`?",
        )
        expect(thread.ident is not None, NOT_STARTED.format(call=self.what, func="work()"), cause=NOT_STARTED)
        return thread

    def work_thread(self) -> threading.Thread:
        """The thread work() ran in, once it has been called."""
        __tracebackhide__ = True
        if not self.work.entered.wait(QUICK):
            fail(
                f"{self.what} returned a started thread, but work() was not called within {QUICK:g} s. "
                "Does the thread's target get func (and its args)?"
            )
        expect(
            len(self.work.calls) == 1,
            f"{self.what} called work() {len(self.work.calls)} times; expected exactly once.",
        )
        return self.work.calls[0][0]

    def finished(self, thread: threading.Thread) -> None:
        """Let work() return and check the thread then ends."""
        __tracebackhide__ = True
        self.work.gate.set()
        thread.join(QUICK)
        expect(
            not thread.is_alive(),
            f"work() returned, but the thread {self.what} started was still alive {QUICK:g} s later.\n"
            f"Where the threads are:\n{where_threads_wait(self.files)}",
        )


@contextlib.contextmanager
def launched(exercise: Any, *args: Any, hold: bool = False) -> Iterator[Launch]:
    """Call start_in_thread(work, *args), noting every join() meanwhile; afterwards let work() return."""
    joins: list[tuple[int, threading.Thread]] = []
    original = threading.Thread.join

    def join(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
        joins.append((threading.get_ident(), self))
        original(self, *args, **kwargs)

    threading.Thread.join = join  # type: ignore[method-assign]
    try:
        launch = Launch(exercise, args, hold, joins)
        try:
            yield launch
        finally:
            launch.work.gate.set()
    finally:
        threading.Thread.join = original  # type: ignore[method-assign]
