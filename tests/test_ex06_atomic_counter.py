"""Checks for exercise 06: Counter loses no update and returns each update's own value."""

import threading

from kata.explorer import Plan
from kata.harness import QUICK, Call, Outcome, bounded, expect, fail, forced_races, hung, outcome, run_together, said, spaced
from kata.harness.scenarios import scenario

COUNTER_THREADS = 4
#: Calls per thread in the checks that hammer the counter. With switches forced inside the learner's file, 250 already
#: caught every one of 06's hand-written mutants in 20 tries of 20, in every check meant for it; 500 keeps twice that.
PER_THREAD = 500
LOCK_ADVICE = "Is a thread waiting for a lock that is never released, or for a Lock it already holds?"


def hammer(exercise, make_counter, plan):
    """Make a counter, then run each worker's list of (method, n) calls at once, with forced thread switches."""

    def worker(calls):
        return lambda: [getattr(counter, method)(n) for method, n in calls]

    with forced_races(exercise):
        counter = make_counter()
        results = run_together([worker(calls) for calls in plan], what="The counter threads", advice=LOCK_ADVICE)
    return counter, results


def test_starts_at_the_given_value(exercise):
    for args, expected in [((), 0), ((5,), 5)]:
        shown = f"Counter({', '.join(map(str, args))}).value"
        got = bounded(lambda: exercise.Counter(*args).value, what=shown, advice=LOCK_ADVICE)
        expect(got == expected, f"{shown} is {got!r}, expected {expected}.")


def test_each_call_returns_the_value_it_produced(exercise):
    counter = bounded(exercise.Counter, 10, what="Counter(10)", advice=LOCK_ADVICE)
    for method, n, expected in [("increment", 1, 11), ("increment", 5, 16), ("decrement", 1, 15), ("decrement", 3, 12)]:
        call = f"{method}()" if n == 1 else f"{method}({n})"
        got = bounded(getattr(counter, method), n, what=f"counter.{call}", advice=LOCK_ADVICE)
        expect(got == expected, f"Counter(10), then calls up to .{call}: it returned {got!r}, expected {expected}.")
    got = bounded(lambda: counter.value, what="counter.value", advice=LOCK_ADVICE)
    expect(got == 12, f"After those calls .value is {got!r}, expected 12.")


def test_no_increment_is_lost(exercise):
    counter, _ = hammer(exercise, exercise.Counter, [[("increment", 1)] * PER_THREAD] * COUNTER_THREADS)
    expected = COUNTER_THREADS * PER_THREAD
    got = counter.value
    expect(
        got == expected,
        f"{COUNTER_THREADS} threads × {spaced(PER_THREAD)} increments: expected {spaced(expected)}, got {spaced(got)} — "
        f"{spaced(expected - got)} updates were lost. Two threads read the same old value and both wrote "
        "old + 1; guard the whole read-modify-write with one lock.",
    )


def expect_distinct_returns(exercise, method, start, step, per_thread=PER_THREAD):
    """Every thread calls ``method(1)`` ``per_thread`` times at once: the returns are each value ``start + step`` … exactly once."""
    counter, results = hammer(exercise, lambda: exercise.Counter(start), [[(method, 1)] * per_thread] * COUNTER_THREADS)
    returned = [v for values in results for v in values]
    total = COUNTER_THREADS * per_thread
    expected = [start + step * i for i in range(1, total + 1)]
    final = start + step * total
    repeated = len(returned) - len(set(returned))
    shown = f"Counter({start})" if start else "Counter()"
    expect(
        sorted(returned) == sorted(expected),
        f"{shown}, then {COUNTER_THREADS} threads × {spaced(per_thread)} {method}() calls at once should return each of "
        f"{spaced(expected[0])} … {spaced(expected[-1])} exactly once; {spaced(repeated)} values were returned more than once"
        + (f" and the final value is {spaced(counter.value)}" if counter.value != final else "")
        + f". Each {method}() must return the value its own update produced: read it while you still hold the lock.",
    )


def test_concurrent_increments_return_distinct_values(exercise):
    expect_distinct_returns(exercise, "increment", 0, 1)


def test_concurrent_decrements_return_distinct_values(exercise):
    expect_distinct_returns(exercise, "decrement", 0, -1)


def test_an_update_that_raises_leaves_the_counter_usable(exercise):
    counter = bounded(exercise.Counter, 7, what="Counter(7)", advice=LOCK_ADVICE)
    for method in ("increment", "decrement"):
        call = f"counter.{method}(Faulty())"
        update = StaysAlive(exercise, getattr(counter, method), Faulty())
        try:
            got = update.outcome(what=call, advice=LOCK_ADVICE)
            expect(got.raised, f"Counter(7): {call}, where Faulty() cannot be added or subtracted, {said(got)}; expected its Refused to reach the caller.")
            held = locks_left_held(counter)
            expect(
                not held,
                f"Counter(7): {call} raised, and afterwards counter.{held[0] if held else ''} was still held, though no call "
                "was running any more: every later call would wait for it forever. When the update raises, the lock must be "
                "released all the same: `with lock:` (or try/finally) releases it on every way out.",
            )
            after = outcome(counter.increment, 1, what=f"counter.increment(1) from another thread, after {call} raised",
                            advice="Is the lock still held? When the update raises, the lock must be released all the same: "
                            "`with lock:` (or try/finally) releases it on every way out.")
        finally:
            update.leave.set()
        expect(after.value == 8, f"Counter(7): after {call} raised, counter.increment(1) {said(after)}, expected 8: a failed update changes nothing.")
        bounded(counter.decrement, 1, what="counter.decrement(1)", advice=LOCK_ADVICE)


def test_increments_and_decrements_together_lose_nothing(exercise):
    ups, downs = [("increment", 3)] * PER_THREAD, [("decrement", 2)] * PER_THREAD
    counter, _ = hammer(exercise, lambda: exercise.Counter(1000), [ups, downs, ups, downs])
    expected = 1000 + 2 * PER_THREAD * 3 - 2 * PER_THREAD * 2
    got = counter.value
    expect(
        got == expected,
        f"Counter(1000); 2 threads × {spaced(PER_THREAD)} increment(3) and 2 threads × {spaced(PER_THREAD)} "
        f"decrement(2) at the same time: expected {spaced(expected)}, got {spaced(got)}. Increments and "
        "decrements change the same value, so they must take the same lock.",
    )


# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly.


@scenario("test_explorer_finds_no_lost_update", finds=["fresh_lock_per_call", "lock_only_the_write", "no_lock"])
def two_threads_increment_twice():
    """Threads A and B each call increment() twice on Counter(0); nothing may be lost."""

    def scenario(module):
        counter = module.Counter()

        def twice():
            return [counter.increment(), counter.increment()]

        def verdict(results, run):
            if counter.value == 4:
                return None
            story = run.lost_update() or "an update was lost"
            return (
                f"Threads A and B each called counter.increment() twice on Counter(0): counter.value is then "
                f"{counter.value}, expected 4 — {story}. Guard the whole read-modify-write with one lock."
            )

        return Plan({"A": twice, "B": twice}, verdict)

    return scenario


@scenario("test_explorer_finds_no_lost_update_between_increment_and_decrement", finds=["separate_locks"])
def increment_beside_decrement():
    """Thread A calls increment(3) twice while thread B calls decrement(2) twice, on Counter(10)."""

    def scenario(module):
        counter = module.Counter(10)

        def verdict(results, run):
            if counter.value == 12:
                return None
            story = run.lost_update() or "an update was lost"
            return (
                f"Thread A called increment(3) twice while thread B called decrement(2) twice, on Counter(10): "
                f"counter.value is then {counter.value}, expected 12 — {story}. Increments and decrements "
                "change the same value, so they must take the same lock."
            )

        return Plan({"A": lambda: [counter.increment(3) for _ in range(2)], "B": lambda: [counter.decrement(2) for _ in range(2)]}, verdict)

    return scenario


@scenario("test_explorer_finds_each_call_returns_its_own_value", finds=["return_after_release"])
def returns_its_own_value():
    """Threads A and B each call increment() twice on Counter(0); the four results are 1, 2, 3, 4."""

    def scenario(module):
        counter = module.Counter()

        def twice():
            return [counter.increment(), counter.increment()]

        def verdict(results, run):
            returned = sorted(results["A"] + results["B"])
            if returned == [1, 2, 3, 4]:
                return None
            repeated = sorted({v for v in returned if returned.count(v) > 1})
            for attr in run.attributes():
                if repeated:
                    run.between(attr, repeated[0])
                    break
            twice_shown = f": {', '.join(map(str, repeated))} came back to both threads" if repeated else ""
            return (
                f"Threads A and B each called counter.increment() twice on Counter(0): thread A got {results['A']}, "
                f"thread B got {results['B']}, expected 1, 2, 3 and 4 between them{twice_shown}. Each call must "
                "return the value its own update produced: read it while you still hold the lock."
            )

        return Plan({"A": twice, "B": twice}, verdict)

    return scenario


# Helpers of the checks above: this exercise's own story ---------------------------------------


#: The kinds of lock a counter may keep as an attribute, which locks_left_held tries.
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()), threading.Condition)


def locks_left_held(counter) -> list[str]:
    """The names of ``counter``'s lock attributes that another thread holds: tried from this thread
    without blocking (and let go at once when the try succeeds). Only while no call is running."""
    held = []
    for name, value in (vars(counter).items() if hasattr(counter, "__dict__") else ()):
        if isinstance(value, LOCK_TYPES):
            if value.acquire(blocking=False):
                value.release()
            else:
                held.append(name)
    return held


class StaysAlive:
    """``func(*args)`` in a thread of its own that, once the call is over, stays alive until ``leave`` is set.

    A thread that has ended can hand its ident to the next thread started, and with it an RLock it
    left held: the next call would then get in by luck. While this one lives, no other thread has its ident.
    """

    def __init__(self, exercise, func, *args):
        self.file = exercise.__file__
        self.leave = threading.Event()
        self._ready = threading.Event()
        self._got = None
        self._call = Call(self._run, func, *args)

    def _run(self, func, *args):
        try:
            self._got = Outcome.of(func, *args)
        finally:
            self._ready.set()
            self.leave.wait(QUICK)

    def outcome(self, *, what, advice):
        """What the call did (value or exception); a failure naming where the threads wait if it has not finished in time."""
        __tracebackhide__ = True
        if not self._ready.wait(QUICK):
            fail(hung(what, QUICK, advice, [self.file], waited=[self._call.thread]))
        return self._got


class Refused(Exception):
    """What a Faulty amount raises."""


class Faulty:
    """An amount that refuses to be added, subtracted or negated: the update raises inside the learner's code."""

    def _refuse(self, *_):
        raise Refused("this amount cannot be counted")

    __add__ = __radd__ = __sub__ = __rsub__ = __neg__ = _refuse
