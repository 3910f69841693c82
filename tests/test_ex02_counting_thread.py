"""Checks for exercise 02: CountingThread counts from 0 to n_max in its own thread, inside run().

Every check uses a *spy*: a subclass of the learner's class whose `count` property records
which thread wrote each value and whether that thread was inside run() at the time, so
"the counting happens in the worker thread" is established, not guessed. The spy also gives
the learner's code a budget of steps: a thread whose loop never ends is parked (it waits,
burning no CPU, and its place is recorded) instead of spinning for the rest of the run, and
the check that waited for it says where it was. Nothing is raised inside the trace function.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

from kata.harness import expect, spaced
from kata.harness.counting import spying

#: Steps (lines or opcodes traced in the learner's file) one call may take: counting to 300, the
#: most any check asks for, takes the reference 4 500 and the wordiest alternative 6 600 on every
#: supported Python; a loop that never ends reaches the budget in under 0.1 s.
STEP_BUDGET = 100_000

#: The budget once a thread has been parked for running away: the code is already known to loop
#: for ever, so a later call gets three times what the wordiest correct answer needs, and a check
#: that would wait for the same loop fails about as soon as it starts.
STEP_BUDGET_AGAIN = 20_000


#: Threads parked for running away: ident -> where they were.
RUNAWAY: dict[int, str] = {}
_PARKED = threading.Event()  # never set: a parked thread waits on it for good


def guarded(file: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` in this thread; past its step budget in code from ``file``, park the thread."""
    from kata.harness import instrument

    steps = 0
    budget = STEP_BUDGET_AGAIN if RUNAWAY else STEP_BUDGET

    def step(frame: Any) -> None:
        nonlocal steps
        steps += 1
        if steps > budget:
            line = (traceback.extract_stack(frame, limit=1)[0].line or "").strip()
            again = " (the smaller budget left once a loop has run away)" if budget == STEP_BUDGET_AGAIN else ""
            RUNAWAY[threading.get_ident()] = f"still running after {spaced(budget)} steps{again}, at line {frame.f_lineno}: {line}"
            _PARKED.wait()

    with instrument.this_thread(file, step):  # never raises into the learner's code
        return func(*args, **kwargs)


Counting = spying(guarded, RUNAWAY)  # CountingThread(...) under the spy, its code guarded


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
        got = counting.name()
        expect(
            got == name,
            f"{counting.what}.name is {got!r}; expected {name!r}. Pass name on to Thread: `super().__init__(name=name)`.",
        )
    counting = Counting(exercise, 3)
    got = counting.name()
    expect(
        isinstance(got, str) and got and got != "None",
        f"{counting.what}.name is {got!r}; with name=None, Thread should pick its usual name (\"Thread-1\", …). "
        "Hand name to Thread.__init__ rather than setting self.name yourself.",
    )


def test_run_called_directly_also_counts(exercise):
    counting = Counting(exercise, 40)
    counting.run_directly()
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


def test_otherwise_it_is_a_thread_like_any_other(exercise):
    counting = Counting(exercise, 5)
    daemon = counting.thread.daemon
    expect(
        daemon is False,
        f"{counting.what}, made in an ordinary (non-daemon) thread, is a daemon thread. A plain threading.Thread made "
        "there is not, and a program does not wait for daemon threads when it ends, so the count could be cut off "
        "halfway: leave daemon to Thread (do not pass daemon=True).",
    )
    counting.run_in_its_thread()
