"""Checks for exercise 16: Memoizer computes each key once, keys in parallel, and forgets failures."""

import threading
from collections import Counter

from support import GRACE, HOLD_LIMIT, QUICK, Call, call_bounded, expect, fail, FirstCallHolds, in_lockstep, run_together

THREADS = 8
HANG_ADVICE = (
    "Is a thread waiting for a computation that has already ended (and nobody woke it), or for a "
    "lock that is never released?"
)
SERIALIZED = (
    "func('slow') was still running, and memo('fast') waited for it: one slow key holds up every other "
    "key. Is a lock held while func runs? Hold it only to look up or register the key; compute outside it."
)


class BackendDown(Exception):
    """What the checks' failing func raises."""


def outcome_of(func, *args):
    """``("returned", value)`` or ``("raised", error)``; a stub's NotImplementedError passes through."""
    try:
        return "returned", func(*args)
    except NotImplementedError:
        raise
    except Exception as error:
        return "raised", error


def new_memoizer(exercise, func):
    """``Memoizer(func)``, bounded."""
    __tracebackhide__ = True
    return call_bounded(exercise.Memoizer, func, what=f"Memoizer({getattr(func, '__name__', 'func')})", files=[exercise.__file__], advice=HANG_ADVICE)


def ask(exercise, memo, key):
    """``memo(key)``, bounded."""
    __tracebackhide__ = True
    return call_bounded(memo, key, what=f"memo({key!r})", files=[exercise.__file__], advice=HANG_ADVICE)


def said(kind, got):
    return f"returned {got!r}" if kind == "returned" else f"raised {type(got).__name__}: {got}"


def test_returns_func_result_and_remembers_it(exercise):
    calls = []

    def square(key):
        calls.append(key)
        return key * key

    memo = new_memoizer(exercise, square)
    for key, expected, ran in [(3, 9, [3]), (3, 9, [3]), (4, 16, [3, 4]), (3, 9, [3, 4])]:
        got = ask(exercise, memo, key)
        expect(got == expected, f"memo = Memoizer(square); memo({key}) returned {got!r}, expected {expected}.")
        expect(
            calls == ran,
            f"memo = Memoizer(square): after the calls up to memo({key}), square has been called with {calls}, "
            f"expected {ran}: each key is computed once and then remembered.",
        )


def test_a_remembered_none_is_not_computed_again(exercise):
    calls = []

    def nothing(key):
        calls.append(key)

    memo = new_memoizer(exercise, nothing)
    for _ in range(2):
        got = ask(exercise, memo, "k")
        expect(got is None, f"memo = Memoizer(nothing), where nothing returns None: memo('k') returned {got!r}, expected None.")
    expect(
        len(calls) == 1,
        f"memo = Memoizer(nothing), where nothing returns None: after memo('k') twice, nothing ran {len(calls)} times, "
        "expected once. A remembered None is still remembered; ask whether the key is known, not whether its value is None.",
    )


def test_many_threads_asking_for_one_key_compute_it_once(exercise):
    func = FirstCallHolds(exercise.__file__, THREADS, lambda number, key: f"value made by call {number}")
    memo = new_memoizer(exercise, func)
    work = func.asking(lambda: memo("k"))
    results = run_together(
        [work] * THREADS,
        timeout=HOLD_LIMIT + GRACE + QUICK,
        what=f"{THREADS} threads calling memo('k')",
        files=[exercise.__file__],
        advice=HANG_ADVICE,
    )
    expect(
        func.calls == 1,
        f"{THREADS} threads called memo('k') at the same moment: func('k') ran {func.calls} times, expected once. "
        "Between finding 'k' unknown and recording it, another thread found it unknown too. Under a lock, record "
        "that 'k' is being computed, so that the others wait for that computation instead of starting their own.",
    )
    wrong = sorted({repr(r) for r in results if r != "value made by call 1"})
    expect(
        not wrong,
        f"{THREADS} threads called memo('k') at the same moment; some got {', '.join(wrong)} instead of "
        "'value made by call 1', the value the one computation made.",
    )


def test_threads_asking_for_many_keys_compute_each_once(exercise):
    keys, counts, counting = range(30), Counter(), threading.Lock()

    def tenfold(key):
        with counting:
            counts[key] += 1
        return key * 10

    results = in_lockstep(
        exercise, THREADS, keys, lambda: exercise.Memoizer(tenfold), "Memoizer(tenfold)",
        lambda memo, key: memo(key), f"{THREADS} threads calling memo(0) … memo({keys[-1]})", HANG_ADVICE,
    )
    twice = sorted(key for key, count in counts.items() if count > 1)
    if twice:
        fail(
            f"{THREADS} threads called memo(0) together, then memo(1) together, … up to memo({keys[-1]}), on one "
            f"Memoizer(tenfold), with thread switches forced inside your code: tenfold ran more than once for "
            f"{len(twice)} of the keys (tenfold({twice[0]}) ran {counts[twice[0]]} times). Finding a key unknown and "
            "recording that it is being computed must be one step, under a lock."
        )
    for values in results:
        for key, got in zip(keys, values):
            expect(got == key * 10, f"memo({key}) of Memoizer(tenfold) returned {got!r}, expected {key * 10}.")


def test_different_keys_compute_at_the_same_time(exercise):
    slow_started, release_slow = threading.Event(), threading.Event()

    def func(key):
        if key == "slow":
            slow_started.set()
            release_slow.wait(3 * QUICK)
        return f"{key} value"

    memo = new_memoizer(exercise, func)
    files = [exercise.__file__]
    slow = Call(memo, "slow")
    try:
        if not slow_started.wait(QUICK):
            slow.result(0, "memo('slow')", files, HANG_ADVICE)
            fail("memo('slow') returned without ever calling func('slow').")
        fast = Call(memo, "fast").result(QUICK, "memo('fast'), called while func('slow') was still computing,", files, SERIALIZED)
    finally:
        release_slow.set()
    expect(fast == "fast value", f"memo('fast') returned {fast!r}, expected 'fast value'.")
    got = slow.result(QUICK, "memo('slow')", files, HANG_ADVICE)
    expect(got == "slow value", f"memo('slow') returned {got!r}, expected 'slow value'.")


def test_a_failure_reaches_the_caller_and_is_not_remembered(exercise):
    calls = []

    def flaky(key):
        calls.append(key)
        if len(calls) == 1:
            raise BackendDown(f"no value for {key!r} yet")
        return f"{key} value"

    memo = new_memoizer(exercise, flaky)
    kind, got = outcome_of(ask, exercise, memo, "k")
    expect(
        kind == "raised" and isinstance(got, BackendDown),
        f"memo = Memoizer(flaky), where flaky raises BackendDown on its first call: memo('k') {said(kind, got)}. "
        "Expected flaky's own BackendDown to reach the caller.",
    )
    kind, got = outcome_of(ask, exercise, memo, "k")
    expect(
        (kind, got) == ("returned", "k value") and len(calls) == 2,
        f"memo = Memoizer(flaky): after memo('k') raised, the next memo('k') {said(kind, got)} and flaky ran "
        f"{len(calls)} time(s) in all; expected 'k value' from a second run of flaky. A computation that raised "
        "must not be remembered: the next call computes again.",
    )


def test_a_failure_reaches_every_thread_waiting_for_it(exercise):
    def fail_every_time(number, key):
        raise BackendDown(f"no value for {key!r}")

    func = FirstCallHolds(exercise.__file__, THREADS, fail_every_time)
    memo = new_memoizer(exercise, func)
    work = func.asking(lambda: outcome_of(memo, "k"))
    outcomes = run_together(
        [work] * THREADS,
        timeout=HOLD_LIMIT + GRACE + QUICK,
        what=f"{THREADS} threads calling memo('k'), where func('k') raises,",
        files=[exercise.__file__],
        advice="When func raises, are the threads waiting for that key woken and given the exception?",
    )
    wrong = [said(kind, got) for kind, got in outcomes if not (kind == "raised" and isinstance(got, BackendDown))]
    expect(
        not wrong,
        f"{THREADS} threads called memo('k') at the same moment and func('k') raised BackendDown; {len(wrong)} of them "
        f"did not raise it: {'; '.join(sorted(set(wrong)))}. Every thread that waited for a computation that raised "
        "must get its exception.",
    )
    expect(
        func.calls == 1,
        f"{THREADS} threads called memo('k') at the same moment and func('k') raised: func('k') ran {func.calls} times, "
        "expected once. The threads that asked while func('k') was computing must wait for that one computation "
        "and get its exception, not run func('k') again themselves.",
    )
