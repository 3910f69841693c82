"""Spying on exercise 02's CountingThread: a subclass of the learner's class whose ``count``
records which thread wrote each value and whether that thread was inside run() at the time,
and bounded calls that say what was called when the learner's code hangs, runs away or raises."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from kata.harness.calls import Call, hung, wait_until, where_threads_wait
from kata.harness.timing import QUICK
from kata.harness.wording import arguments, expect, fail

#: ``guard(file, func, *args, **kwargs)``: call ``func`` with a step budget on the code of ``file``.
Guard = Callable[..., Any]

INIT_ADVICE = (
    "Does __init__ call Thread's own __init__ first, passing the name by keyword "
    "(`super().__init__(name=name)`)? Thread.__init__'s first parameter is group, not name."
)
START_ADVICE = "start() needs Thread.__init__ to have run first: call `super().__init__(name=name)` in your __init__."
STARTED_TWICE_ADVICE = (
    "The thread had already been started: does __init__ call self.start()? Creating a thread must "
    "only set it up; whoever made it decides when to call start()."
)
JOIN_ADVICE = (
    "join() says no thread was started: did you override start()? Thread's own start() is what "
    "creates the new thread and calls run() in it; put the counting in run() and leave start() alone."
)


def spy_on(cls: type, file: str, guarded: Guard) -> type:
    """A subclass of ``cls`` that records every write to ``count``: (thread, inside run(), value).

    Its ``__init__``, ``run`` and ``start`` run the learner's code through ``guarded(file, func, *args)``.
    """
    inherited = next((vars(k)["count"] for k in cls.__mro__ if "count" in vars(k)), None)
    descriptor = inherited if hasattr(type(inherited), "__set__") else None  # the learner's own property or slot

    class Spy(cls):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            vars(self).update(kata_writes=[], kata_in_run=set(), kata_error=None)
            guarded(file, super().__init__, *args, **kwargs)

        @property
        def count(self) -> Any:
            if descriptor is not None:
                return descriptor.__get__(self, type(self))
            if "kata_count" in vars(self):
                return vars(self)["kata_count"]
            return super().count  # a class attribute, or AttributeError as without the spy

        @count.setter
        def count(self, value: Any) -> None:
            state = vars(self)
            state["kata_writes"].append((threading.current_thread(), threading.get_ident() in state["kata_in_run"], value))
            if descriptor is not None:
                descriptor.__set__(self, value)
            else:
                state["kata_count"] = value

        def run(self) -> None:
            me = threading.get_ident()
            vars(self)["kata_in_run"].add(me)
            try:
                guarded(file, super().run)
            except BaseException as error:
                vars(self)["kata_error"] = error
                raise
            finally:
                vars(self)["kata_in_run"].discard(me)

        def start(self) -> None:
            guarded(file, super().start)

    Spy.__name__ = Spy.__qualname__ = cls.__name__
    return Spy


def learner_lines(error: BaseException, file: str) -> str:
    """The lines of the learner's file an exception passed through."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == file]
    return "".join(f"\n    line {f.lineno}, in {f.name}: {(f.line or '').strip()}" for f in frames)


def must_succeed(what: str, advice: str, file: str, runaway: dict[int, str], func: Any, /, *args: Any, **kwargs: Any) -> Any:
    """``func(*args)`` in a watched thread; a hang, a runaway loop or an exception from the
    learner's code becomes a failure that says what was called."""
    __tracebackhide__ = True
    call = Call(func, *args, **kwargs)
    # A parked thread never goes on, so the wait ends as soon as the call, or the thread it joins, is parked.
    joined = getattr(func, "__self__", None) if getattr(func, "__name__", "") == "join" else None
    watched = [call.thread, *([joined] if isinstance(joined, threading.Thread) else [])]
    if not wait_until(lambda: call.done() or any(t.ident in runaway for t in watched), QUICK) or not call.done():
        if joined is not None and joined.ident in runaway:
            return None  # the caller sees the joined thread still alive, and parked
        parked = next((runaway[t.ident] for t in watched if t.ident in runaway), None)
        fail(f"{what} never finished: it was {parked}.\nDoes every loop stop?" if parked else hung(what, QUICK, "", [file]))
    error = call.error
    if error is None:
        return call.value
    if isinstance(error, NotImplementedError) or not isinstance(error, Exception):
        raise error  # the conftest says which TODO is left
    if "started once" in str(error):  # Thread.start(): "threads can only be started once"
        advice = STARTED_TWICE_ADVICE
    fail(f"{what} raised {type(error).__name__}: {error}.{learner_lines(error, file)}\n{advice}".rstrip())


class Counting:
    """One spied CountingThread(*args, **kwargs), made in this thread (see :func:`spying`)."""

    #: Runs the learner's code: ``guard(file, func, *args, **kwargs)``.
    guard: Guard = staticmethod(lambda file, func, *args, **kwargs: func(*args, **kwargs))
    #: Threads the guard parked for running away: ident -> where they were.
    runaway: dict[int, str] = {}

    def __init__(self, exercise: Any, *args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        cls = exercise.CountingThread
        self.file = exercise.__file__
        self.what = f"CountingThread({arguments(*args, **kwargs)})"
        expect(
            isinstance(cls, type) and issubclass(cls, threading.Thread),
            f"CountingThread is {cls!r}; it must be a class that subclasses threading.Thread: "
            "`class CountingThread(threading.Thread):`.",
        )
        self.thread = must_succeed(self.what, INIT_ADVICE, self.file, self.runaway, spy_on(cls, self.file, type(self).guard), *args, **kwargs)
        self.made = len(self.writes)

    @property
    def writes(self) -> list[tuple[threading.Thread, bool, Any]]:
        return vars(self.thread)["kata_writes"]

    def count(self, when: str) -> Any:
        __tracebackhide__ = True
        return must_succeed(f"Reading .count {when}", "Is count set in __init__ (self.count = 0)?", self.file, self.runaway, getattr, self.thread, "count")

    def name(self) -> Any:
        __tracebackhide__ = True
        return must_succeed(f"{self.what}.name", INIT_ADVICE, self.file, self.runaway, getattr, self.thread, "name")

    def run_directly(self) -> None:
        """``run()`` called in this thread, as a plain method."""
        __tracebackhide__ = True
        must_succeed(f"{self.what}.run()", "", self.file, self.runaway, self.thread.run)

    def start(self) -> None:
        __tracebackhide__ = True
        must_succeed(f"{self.what}.start()", START_ADVICE, self.file, self.runaway, self.thread.start)

    def join(self) -> None:
        """Wait (bounded) for the started thread; fail on anything its run() raised."""
        __tracebackhide__ = True
        must_succeed(f"{self.what}.join() after start()", JOIN_ADVICE, self.file, self.runaway, self.thread.join, QUICK)
        if self.thread.is_alive():
            parked = self.runaway.get(self.thread.ident or 0)
            if parked:
                fail(f"{self.what}.run() never finished: it was {parked}.\nDoes the loop stop when count reaches n_max?")
            fail(
                f"{self.what} was still running {QUICK:g} s after start(). Is run() waiting for something?\n"
                f"Where the threads are:\n{where_threads_wait([self.file])}"
            )
        self.expect_run_did_not_raise()

    def expect_run_did_not_raise(self) -> None:
        __tracebackhide__ = True
        error = vars(self.thread)["kata_error"]
        if error is not None:
            fail(f"{self.what}.run() raised {type(error).__name__}: {error}.{learner_lines(error, self.file)}")

    def run_in_its_thread(self) -> None:
        __tracebackhide__ = True
        self.start()
        self.join()




def spying(guard: Guard, runaway: dict[int, str]) -> type[Counting]:
    """``Counting`` whose spy runs the learner's code through ``guard`` and learns from ``runaway``
    which threads it parked for never finishing."""
    return type("Counting", (Counting,), {"guard": staticmethod(guard), "runaway": runaway})
