"""Checks for exercise 02: CountingThread counts from 0 to n_max in its own thread, inside run().

Every check uses a *spy*: a subclass of the learner's class whose `count` property records
which thread wrote each value and whether that thread was inside run() at the time, so
"the counting happens in the worker thread" is established, not guessed. The spy also gives
the learner's code a budget of steps: a thread whose loop never ends is parked (it waits,
burning no CPU, and its place is recorded) instead of spinning for the rest of the run, and
the check that waited for it says where it was. Nothing is raised inside the trace function.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any

from kata.harness import QUICK, Call, expect, fail, hung, where_threads_wait

#: Steps (lines or opcodes traced in the learner's file) one call may take: counting to a few
#: hundred needs a few thousand, a loop that never ends reaches it in well under a second.
STEP_BUDGET = 300_000

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


#: Threads parked for running past the step budget: ident -> where they were.
RUNAWAY: dict[int, str] = {}
_PARKED = threading.Event()  # never set: a parked thread waits on it for good


def guarded(file: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` in this thread; past STEP_BUDGET steps of code from ``file``, park the thread."""
    from kata.harness import instrument

    steps = 0

    def step(frame: Any) -> None:
        nonlocal steps
        steps += 1
        if steps > STEP_BUDGET:
            line = (traceback.extract_stack(frame, limit=1)[0].line or "").strip()
            budget = f"{STEP_BUDGET:,}".replace(",", " ")
            RUNAWAY[threading.get_ident()] = f"still running after {budget} steps, at line {frame.f_lineno}: {line}"
            _PARKED.wait()

    with instrument.this_thread(file, step):  # never raises into the learner's code
        return func(*args, **kwargs)


def spy_on(cls: type, file: str) -> type:
    """A subclass of ``cls`` that records every write to ``count``: (thread, inside run(), value)."""
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


def arguments(*args: Any, **kwargs: Any) -> str:
    return ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])


def learner_lines(error: BaseException, file: str) -> str:
    """The lines of the learner's file an exception passed through."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == file]
    return "".join(f"\n    line {f.lineno}, in {f.name}: {(f.line or '').strip()}" for f in frames)


def attempt(what: str, advice: str, file: str, func: Any, /, *args: Any, **kwargs: Any) -> Any:
    """``func(*args)`` in a watched thread; a hang, a runaway loop or an exception from the
    learner's code becomes a failure that says what was called."""
    __tracebackhide__ = True
    call = Call(func, *args, **kwargs)
    if not call.wait(QUICK):
        runaway = RUNAWAY.get(call.thread.ident or 0)
        fail(f"{what} never finished: it was {runaway}.\nDoes every loop stop?" if runaway else hung(what, QUICK, "", [file]))
    error = call.error
    if error is None:
        return call.value
    if isinstance(error, NotImplementedError) or not isinstance(error, Exception):
        raise error  # the conftest says which TODO is left
    if "started once" in str(error):  # Thread.start(): "threads can only be started once"
        advice = STARTED_TWICE_ADVICE
    fail(f"{what} raised {type(error).__name__}: {error}.{learner_lines(error, file)}\n{advice}".rstrip())


class Counting:
    """One spied CountingThread(*args, **kwargs), made in this thread."""

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
        self.thread = attempt(self.what, INIT_ADVICE, self.file, spy_on(cls, self.file), *args, **kwargs)
        self.made = len(self.writes)

    @property
    def writes(self) -> list[tuple[threading.Thread, bool, Any]]:
        return vars(self.thread)["kata_writes"]

    def count(self, when: str) -> Any:
        __tracebackhide__ = True
        return attempt(f"Reading .count {when}", "Is count set in __init__ (self.count = 0)?", self.file, getattr, self.thread, "count")

    def start(self) -> None:
        __tracebackhide__ = True
        attempt(f"{self.what}.start()", START_ADVICE, self.file, self.thread.start)

    def join(self) -> None:
        """Wait (bounded) for the started thread; fail on anything its run() raised."""
        __tracebackhide__ = True
        attempt(f"{self.what}.join() after start()", JOIN_ADVICE, self.file, self.thread.join, QUICK)
        if self.thread.is_alive():
            runaway = RUNAWAY.get(self.thread.ident or 0)
            if runaway:
                fail(f"{self.what}.run() never finished: it was {runaway}.\nDoes the loop stop when count reaches n_max?")
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


def off_by_one(got: Any, expected: int) -> str:
    return " — off by one: where does your loop stop?" if isinstance(got, int) and abs(got - expected) == 1 else "."


def test_count_is_zero_after_construction(exercise):
    for args in [(5,), (300, "counter")]:
        counting = Counting(exercise, *args)
        got = counting.count("right after construction")
        expect(
            got == 0,
            f"{counting.what}.count is {got!r} right after construction; expected 0. Creating the "
            "thread must only set it up: __init__ runs in the caller's thread, the counting belongs in run().",
        )


def test_count_reaches_n_max_after_start_and_join(exercise):
    for n_max in [0, 1, 7, 300]:
        counting = Counting(exercise, n_max)
        counting.run_in_its_thread()
        got = counting.count("after start() and join()")
        expect(
            got == n_max,
            f"{counting.what}: after start() and join(), count is {got!r}; expected {n_max}{off_by_one(got, n_max)}",
        )


def test_counting_happens_in_the_new_thread_inside_run(exercise):
    counting = Counting(exercise, 50, name="counter")
    counting.run_in_its_thread()
    writes = counting.writes[counting.made :]
    expect(
        writes,
        f"{counting.what}: count was never changed after construction, though start() and join() were called. "
        "Put the counting in run(): start() calls run() in the new thread.",
    )
    for thread, in_run, value in writes:
        expect(
            thread is counting.thread,
            f"{counting.what}: count was set to {value!r} in thread {thread.name!r}, the one that called "
            f"start(), not in the new thread {counting.thread.name!r}. start() creates the thread and calls "
            "run() in it: put the counting in run(), and leave start() to Thread.",
        )
        expect(
            in_run,
            f"{counting.what}: count was set to {value!r} in the new thread but outside run(). Count inside run().",
        )


def test_count_rises_one_step_at_a_time(exercise):
    counting = Counting(exercise, 6)
    counting.run_in_its_thread()
    values = [value for _, _, value in counting.writes[counting.made :]]
    while values and values[0] == 0:  # setting count back to 0 before counting is fine
        values.pop(0)
    shown = ", ".join(map(repr, values[:12])) + (", …" if len(values) > 12 else "")
    if values and values == list(range(1, len(values) + 1)):
        problem = f"count went up one step at a time but stopped at {values[-1]}, not at 6 — where does your loop stop?"
    else:
        seen = f"count took the values {shown}" if values else "count did not change"
        problem = f"{seen}; expected 1, 2, 3, 4, 5, 6 — one step at a time, so that anyone watching sees it count."
    expect(values == list(range(1, 7)), f"While {counting.what} ran, {problem}")


def test_name_reaches_thread(exercise):
    for args, kwargs, name in [((3,), {"name": "counter-7"}, "counter-7"), ((3, "by-position"), {}, "by-position")]:
        counting = Counting(exercise, *args, **kwargs)
        got = attempt(f"{counting.what}.name", INIT_ADVICE, counting.file, getattr, counting.thread, "name")
        expect(
            got == name,
            f"{counting.what}.name is {got!r}; expected {name!r}. Pass name on to Thread: `super().__init__(name=name)`.",
        )
    counting = Counting(exercise, 3)
    got = attempt(f"{counting.what}.name", INIT_ADVICE, counting.file, getattr, counting.thread, "name")
    expect(
        isinstance(got, str) and got and got != "None",
        f"{counting.what}.name is {got!r}; with name=None, Thread should pick its usual name (\"Thread-1\", …). "
        "Hand name to Thread.__init__ rather than setting self.name yourself.",
    )


def test_run_called_directly_also_counts(exercise):
    counting = Counting(exercise, 40)
    attempt(f"{counting.what}.run()", "", counting.file, counting.thread.run)
    got = counting.count("after calling run() directly")
    expect(
        got == 40,
        f"{counting.what}.run(), called directly, left count at {got!r}; expected 40{off_by_one(got, 40)} "
        "run() is an ordinary method: calling it must count too (in the calling thread).",
    )


def test_each_thread_has_its_own_count(exercise):
    first, second = Counting(exercise, 200, name="first"), Counting(exercise, 120, name="second")
    first.start()
    second.start()
    first.join()
    second.join()
    counts = (first.count("of 'first'"), second.count("of 'second'"))
    shared = " Both show the same number: each thread must keep its own count in self.count, not in a class attribute or a global."
    expect(
        counts == (200, 120),
        f"{first.what} and {second.what}, started together and joined: counts are {counts[0]!r} and "
        f"{counts[1]!r}; expected 200 and 120{off_by_one(counts[0], 200) if counts[0] != counts[1] else '.' + shared}",
    )
