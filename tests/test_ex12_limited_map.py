"""Checks for exercise 12: map_limited keeps input order and runs exactly up to max_concurrent calls at once."""

from __future__ import annotations

import functools
import threading
import time

from kata.harness import (
    EARLY,
    GATE_LIMIT,
    QUICK,
    Call,
    Company,
    Gauge,
    calls,
    describe_threads,
    expect,
    forced_races,
    join_all,
    learner_threads,
    named,
    real_sleep,
    record_threads,
    waited_for,
)

K = 3
STUCK_ADVICE = "Is a thread waiting for a slot that is never given back, or for a thread that never ends?"

# The harness's bounded calls, giving this exercise's advice when they hang.
outcome = functools.partial(calls.outcome, advice=STUCK_ADVICE)
bounded = functools.partial(calls.bounded, advice=STUCK_ADVICE)


def test_results_come_back_in_input_order(exercise):
    n = 5
    func = LastFirst(n)
    got = bounded(exercise.map_limited, func, range(n), n, limit=QUICK + 1.0, what=f"map_limited(func, range({n}), max_concurrent={n})")
    expected = [i * 10 for i in range(n)]
    expect(
        got == expected,
        f"map_limited(func, range({n}), max_concurrent={n}), where func(i) returns i * 10 and later items finish "
        f"first: got {got!r}, expected {expected!r}. Put each result at its item's position, not in the order the "
        "calls finish.",
    )
    expect(
        not func.gave_up,
        f"map_limited(func, range({n}), max_concurrent={n}): item 0 {waited_for(func.waited, func.alone)} for the later items to "
        f"finish, but they never ran alongside it{WAITED_ALONE if func.alone else ''}. With max_concurrent={n}, all {n} calls should run at once.",
    )


def test_up_to_max_concurrent_calls_run_at_once(exercise):
    gauge = gauged(exercise)
    expect(
        gauge.peak >= K and not gauge.timed_out,
        f"map_limited(func, range({3 * K}), max_concurrent={K}): at most {gauge.peak} call(s) ran at the same time; "
        f"expected {K} ({waited(gauge.waited, gauge.none_could_start)}). The limit is an upper bound to "
        f"reach, not to stay under: while a call runs, the next ones should start, up to {K} at once.",
    )


def test_never_more_than_max_concurrent_calls_at_once(exercise):
    # With thread switches forced inside your file: a slot that is checked and counted in two steps
    # is sometimes taken twice.
    count = 6 * K
    with forced_races(exercise):
        gauge = gauged(exercise, count=count)
    expect(
        gauge.peak <= K,
        f"map_limited(func, range({count}), max_concurrent={K}): {gauge.peak} calls ran at the same time, more than "
        f"the limit of {K}. Each call must hold one of {K} slots (a Semaphore({K})) for as long as it runs.",
    )


def test_a_raising_call_gives_its_slot_back(exercise):
    limit, count = 2, 4
    error = outcome(
        exercise.map_limited, raiser, range(count), limit,
        what=f"map_limited(func, range({count}), max_concurrent={limit}), with every call raising,",
        advice=f"Once {limit} calls have raised, are their slots gone for good? A slot must be given back however "
        "the call ends: use try/finally, or a `with` block on the semaphore.",
    ).error  # fmt: skip
    expect(
        isinstance(error, ValueError) and str(error) == "item 0 failed",
        f"map_limited(func, range({count}), max_concurrent={limit}) with func(i) raising ValueError('item i failed') "
        f"{described(error)}; expected ValueError('item 0 failed'), the first failure in input order.",
    )


def test_an_exception_reaches_the_caller_after_the_others_finish(exercise):
    gate = threading.Event()
    done: list[str] = []

    def func(item: str) -> str:
        if item == "boom":
            raise ValueError("boom")
        gate.wait(GATE_LIMIT)
        real_sleep(0.05)  # still running a moment after the gate opens
        done.append(item)
        return item

    items = ["boom", "a", "b", "c"]
    call = Call(exercise.map_limited, func, items, 4)
    try:
        early = call.wait(EARLY)
    finally:
        gate.set()
    if early and isinstance(call.error, NotImplementedError):
        raise call.error
    expect(
        not early,
        f"map_limited(func, {items!r}, max_concurrent=4) {described(call.error)} while the calls for 'a', 'b' and 'c' "
        "were still running. When a call fails, let the others finish (join every thread) before raising.",
    )
    error = call.outcome(what=f"map_limited(func, {items!r}, max_concurrent=4)", advice=STUCK_ADVICE).error
    expect(
        isinstance(error, ValueError) and str(error) == "boom",
        f"map_limited(func, {items!r}, max_concurrent=4), where func('boom') raises ValueError('boom'): it "
        f"{described(error)}, expected that ValueError to reach the caller. Keep each call's exception and raise it in "
        "the caller's thread.",
    )
    expect(sorted(done) == ["a", "b", "c"], f"When map_limited raised, only {sorted(done)} of the calls for 'a', 'b', 'c' had finished.")


def test_the_first_failure_in_input_order_is_raised(exercise):
    three_raised = threading.Event()
    company = Company()

    def func(item: int) -> int:
        if item == 3:
            three_raised.set()
            raise ValueError("item 3 failed")
        if item == 1:
            company.wait(three_raised.wait, 1.0)  # not the whole second once item 3 cannot start until this call returns
            raise ValueError("item 1 failed")
        return item

    error = outcome(exercise.map_limited, func, range(4), 4, what="map_limited(func, range(4), max_concurrent=4)").error
    expect(
        isinstance(error, ValueError) and str(error) == "item 1 failed",
        "map_limited(func, range(4), max_concurrent=4), where item 3 raises first and item 1 a moment later: it "
        f"{described(error)}; expected ValueError('item 1 failed'), the first failure in input order, as the docstring says.",
    )


class Halt(BaseException):
    """Not an Exception: code that catches only Exception lets it escape a worker thread."""


def test_every_kind_of_exception_reaches_the_caller_and_a_returned_one_is_a_value(exercise):
    returned = ValueError("a value, not an error")

    def func(item):
        if item == "halt":
            raise Halt("halted")
        return returned if item == "value" else item

    got = outcome(exercise.map_limited, func, ["value", None], 2, what="map_limited(func, ['value', None], max_concurrent=2)")
    expect(
        got == ([returned, None], None),
        f"map_limited(func, ['value', None], max_concurrent=2), where func('value') returns the exception object {returned!r} "
        f"and func(None) returns None: it {described(got.error) if got.raised else f'returned {got.value!r}'}; expected "
        f"[{returned!r}, None]. A returned exception object and None are values.",
    )
    got = outcome(exercise.map_limited, func, ["a", "halt", "b"], 2, what="map_limited(func, ['a', 'halt', 'b'], max_concurrent=2)")
    expect(
        isinstance(got.error, Halt) and str(got.error) == "halted",
        "map_limited(func, ['a', 'halt', 'b'], max_concurrent=2), where func('halt') raises Halt('halted'), a BaseException "
        f"that is not an Exception: it {described(got.error) if got.raised else f'returned {got.value!r}'}; expected that Halt "
        "to reach the caller. Catch every kind of exception in the thread (except BaseException) and raise it in the caller.",
    )


def test_max_concurrent_below_one_is_a_value_error(exercise):
    for limit in (0, -1):
        called = []
        error = outcome(exercise.map_limited, called.append, [1, 2], limit, what=f"map_limited(func, [1, 2], max_concurrent={limit})").error
        expect(
            isinstance(error, ValueError),
            f"map_limited(func, [1, 2], max_concurrent={limit}) {described(error)}: expected ValueError, since no call could ever run.",
        )
        expect(not called, f"map_limited(func, [1, 2], max_concurrent={limit}) called func with {called!r} before raising; check max_concurrent first.")


def test_empty_input_and_any_iterable(exercise):
    got = bounded(exercise.map_limited, str.upper, [], 2, what="map_limited(str.upper, [], max_concurrent=2)")
    expect(got == [], f"map_limited(str.upper, [], max_concurrent=2) returned {got!r}, expected [].")
    words = ("a", "bb", "ccc", "dd", "e")
    got = bounded(exercise.map_limited, str.upper, (w for w in words), 2, what="map_limited(str.upper, <generator>, max_concurrent=2)")
    expected = [w.upper() for w in words]
    expect(
        got == expected,
        f"map_limited(str.upper, (w for w in {words!r}), max_concurrent=2) returned {got!r}, expected {expected!r}. items may be any iterable, read only once.",
    )


def test_no_thread_is_left_running(exercise):
    with record_threads() as started:
        error = outcome(exercise.map_limited, lambda i: real_sleep(0.01) or i, range(8), 3, what="map_limited(func, range(8), max_concurrent=3)").error
        failure = outcome(exercise.map_limited, raiser, range(4), 2, what="map_limited(raising func, range(4), max_concurrent=2)").error
    if error is not None:
        raise error
    left = join_all(learner_threads(started), 1.0)
    expect(
        not left,
        f"Thread(s) {describe_threads(left)} started by map_limited were still running 1 s after it had "
        f"{'returned and raised' if failure is not None else 'returned'}. Join every thread you start before returning or raising.",
    )


def test_repeated_and_unhashable_items_each_get_their_own_result(exercise):
    items = [[1], [], [1], (0,), [2, 3], [], [1]]
    what = "map_limited(len, [[1], [], [1], (0,), [2, 3], [], [1]], max_concurrent=3)"
    got = bounded(exercise.map_limited, len, items, 3, what=what)
    expected = [len(item) for item in items]
    expect(
        got == expected,
        f"{what} returned {got!r}, expected {expected!r}. Items may repeat, be falsy and be unhashable (lists): find "
        "each result's place by the item's position (enumerate), not by looking the item up (items.index, a dict).",
    )

# Helpers of the checks above: this exercise's own story ---------------------------------------


def raiser(item):
    raise ValueError(f"item {item} failed")


def described(error: BaseException | None) -> str:
    return "returned normally" if error is None else f"raised {named(error)}"


class LastFirst:
    """A func whose calls finish in reverse input order: item i returns only after item i + 1 has."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.gave_up = self.alone = False
        self.waited = 0.0
        self._returned = 0
        self._cond = threading.Condition()
        self._company = Company()

    def __call__(self, item: int) -> int:
        def my_turn(timeout: float) -> bool:
            with self._cond:
                return self._cond.wait_for(lambda: self.gave_up or self._returned >= self.n - 1 - item, timeout)

        started = time.monotonic()
        turn = self._company.wait(my_turn, QUICK)  # None: no later item can start while this one waits
        with self._cond:
            if not turn and not self.gave_up:
                self.gave_up, self.alone, self.waited = True, turn is None, time.monotonic() - started  # let the rest go
            self._returned += 1
            self._cond.notify_all()
        return item * 10


#: Why a call stopped waiting for the others, when that was proved rather than waited out.
WAITED_ALONE = ", while every other thread waited with no timeout, so no other call could start"


def waited(seconds: float, none_could_start: bool) -> str:
    """How long the first calls waited for the others, and why they stopped if it was proved."""
    return f"the first calls {waited_for(seconds, none_could_start)} for the others{WAITED_ALONE if none_could_start else ''}"


def gauged(exercise, limit: int = K, count: int = 3 * K) -> Gauge:
    gauge = Gauge(limit, until_alone=True)
    got = bounded(exercise.map_limited, gauge, range(count), limit, limit=QUICK + 1.0, what=f"map_limited(func, range({count}), max_concurrent={limit})")
    expect(
        got == list(range(count)),
        f"map_limited(func, range({count}), max_concurrent={limit}) with func returning its item: got {got!r}, expected {list(range(count))!r}.",
    )
    return gauge
