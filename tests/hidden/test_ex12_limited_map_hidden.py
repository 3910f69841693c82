"""Hidden checks for exercise 12: the same behaviours as the public checks, tried in other ways."""

import threading

from kata.harness import EARLY, GATE_LIMIT, QUICK, Call, Gauge, bounded, expect, outcome, real_sleep

ADVICE = "Is a thread waiting for a slot that is never given back, or for a thread that never ends?"


class Halt(BaseException):
    """Not an Exception: code that catches only Exception lets it escape a worker thread."""


def test_a_limit_of_one_runs_the_calls_one_by_one(exercise):
    """max_concurrent=1 runs the calls one at a time, in order of results."""
    gauge = Gauge(1, settle=0.01)
    got = bounded(
        exercise.map_limited,
        gauge,
        iter(range(6)),
        1,
        what="map_limited(func, <iterator of 0 … 5>, max_concurrent=1)",
        advice=ADVICE,
        limit=QUICK + 1.0,
    )
    expect(got == list(range(6)), f"map_limited(func, <iterator of 0 … 5>, max_concurrent=1) returned {got!r}, expected [0, 1, 2, 3, 4, 5].")
    expect(gauge.peak == 1, f"With max_concurrent=1, {gauge.peak} calls ran at the same time.")


def test_two_slots_for_seven_items_run_two_at_once(exercise):
    """Two slots for seven items: two calls at once, never three."""
    gauge = Gauge(2, until_alone=True)
    got = bounded(
        exercise.map_limited,
        gauge,
        [f"item {i}" for i in range(7)],
        2,
        what="map_limited(func, 7 items, max_concurrent=2)",
        advice=ADVICE,
        limit=QUICK + 1.0,
    )
    expect(got == [f"item {i}" for i in range(7)], f"map_limited(func, 7 items, max_concurrent=2) returned {got!r}.")
    expect(
        gauge.peak == 2 and not gauge.timed_out,
        f"map_limited(func, 7 items, max_concurrent=2): at most {gauge.peak} call(s) ran at once, expected exactly 2.",
    )


def test_a_limit_above_the_item_count_and_values_that_look_like_errors(exercise):
    """A limit above the item count is fine; None, repeated items and returned exception objects are values."""
    error = KeyError("returned, not raised")
    items = [None, error, None, [1], 0]
    got = bounded(exercise.map_limited, lambda x: x, items, 10, what="map_limited(lambda x: x, items, max_concurrent=10)", advice=ADVICE)
    expect(
        got == items and got[1] is error,
        f"map_limited(lambda x: x, {items!r}, max_concurrent=10) returned {got!r}; expected the items back, the exception object as a value.",
    )


def test_a_base_exception_reaches_the_caller_after_the_others_finish(exercise):
    """A call raising a BaseException that is not an Exception reaches the caller, after the other calls finish."""
    gate = threading.Event()
    done = []

    def func(item):
        if item == 2:
            raise Halt("item 2 halted")
        gate.wait(GATE_LIMIT)
        done.append(item)
        return item

    call = Call(exercise.map_limited, func, [0, 1, 2, 3], 2)
    try:
        early = call.wait(EARLY)
    finally:
        gate.set()
    got = call.outcome(what="map_limited(func, [0, 1, 2, 3], max_concurrent=2)", advice=ADVICE)
    expect(not early, "map_limited returned or raised while calls were still held; it must wait for every call to finish.")
    expect(
        isinstance(got.error, Halt) and str(got.error) == "item 2 halted",
        "map_limited(func, [0, 1, 2, 3], max_concurrent=2), where func(2) raises Halt('item 2 halted') (a BaseException, not an Exception): it "
        + (f"raised {type(got.error).__name__}({str(got.error)!r})" if got.raised else f"returned {got.value!r}")
        + ". Every kind of exception a call raises reaches the caller.",
    )
    expect(sorted(done) == [0, 1, 3], f"When map_limited raised, the calls for {sorted(done)} of 0, 1, 3 had finished; expected all three.")


def test_calls_that_all_raise_with_one_slot_still_end(exercise):
    """With one slot and every call raising, the slot comes back each time and the first failure is raised."""

    def func(item):
        real_sleep(0.005)
        raise LookupError(f"no {item}")

    got = outcome(exercise.map_limited, func, "abc", 1, what="map_limited(func, 'abc', max_concurrent=1), every call raising,", advice=ADVICE)
    expect(
        isinstance(got.error, LookupError) and str(got.error) == "no a",
        f"map_limited(func, 'abc', max_concurrent=1), every call raising LookupError: it gave {got!r}, expected LookupError('no a').",
    )


def test_repeated_dicts_from_a_generator_with_one_slot_each_get_a_result(exercise):
    """Repeated, unhashable items (dicts) from a generator, one slot: every position gets its own result."""
    items = [{"n": 2}, {}, {"n": 2}, {"n": 5}, {"n": 2}, {}]
    got = bounded(exercise.map_limited, len, (item for item in items), 1, what="map_limited(len, <generator of dicts>, max_concurrent=1)", advice=ADVICE)
    expected = [len(item) for item in items]
    expect(got == expected, f"map_limited(len, (item for item in {items!r}), max_concurrent=1) returned {got!r}, expected {expected!r}.")
