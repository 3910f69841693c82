"""Hidden checks for exercise 16: the same behaviours as the public checks, tried in other ways."""

import functools
import threading
from collections import Counter

from kata.harness import GRACE, HOLD_LIMIT, QUICK, FirstCallHolds, Meeting, Outcome, bounded, expect, in_lockstep, run_together, said

HANG_ADVICE = "Is a thread waiting for a computation that has already ended (and nobody woke it), or for a lock that is never released?"


class Refused(BaseException):
    """What a check's func raises: a BaseException, not an Exception, as KeyboardInterrupt is."""


def test_none_falsy_values_and_returned_exceptions_are_remembered(exercise):
    """None, 0, "", an empty list and a returned exception object are remembered like any value: func runs once per key."""
    calls = Counter()
    values = {"none": None, "zero": 0, "empty": "", "list": [], "error": LookupError("returned, not raised")}

    def look_up(key):
        calls[key] += 1
        return values[key]

    memo = bounded(exercise.Memoizer, look_up, what="Memoizer(look_up)", advice=HANG_ADVICE)
    got = bounded(lambda: [memo(key) for key in [*values, *values]], what="memo(key) twice for 3 keys", advice=HANG_ADVICE)
    expect(
        got == [*values.values(), *values.values()] and all(calls[key] == 1 for key in values),
        f"Memoizer(look_up), look_up returning None, 0, '', [] and an exception object: memo(key) twice each returned {got!r} and ran look_up "
        f"{dict(calls)} times; expected each value twice and one run per key.",
    )


def test_any_callable_is_memoized(exercise):
    """An object with __call__, a bound method and a functools.partial work as func."""

    class Maths:
        def __init__(self):
            self.calls = 0

        def __call__(self, key):
            self.calls += 1
            return key * key

        def cube(self, key):
            self.calls += 1
            return key ** 3

        def scaled(self, factor, key):
            self.calls += 1
            return factor * key

    for pick, expected in [(lambda m: m, 49), (lambda m: m.cube, 343), (lambda m: functools.partial(m.scaled, 2), 14)]:
        maths = Maths()
        func = pick(maths)
        memo = bounded(exercise.Memoizer, func, what="Memoizer(func)", advice=HANG_ADVICE)
        got = [bounded(memo, 7, what="memo(7)", advice=HANG_ADVICE) for _ in range(2)]
        expect(
            got == [expected] * 2 and maths.calls == 1,
            f"Memoizer({func!r}): memo(7) twice returned {got!r} with {maths.calls} runs of func; expected {expected} twice, one run.",
        )


def test_three_slow_keys_compute_at_the_same_time(exercise):
    """Three threads asking for three different keys are all inside func at once."""
    meeting = Meeting(3)

    def func(key):
        return f"{key} value" if meeting(QUICK) else "alone"

    memo = bounded(exercise.Memoizer, func, what="Memoizer(func)", advice=HANG_ADVICE)
    got = run_together([lambda key=key: memo(key) for key in "xyz"], limit=2 * QUICK, what="3 threads calling memo('x'), memo('y'), memo('z')",
                       advice=HANG_ADVICE)
    expect(
        got == ["x value", "y value", "z value"],
        f"Three threads asked for three different keys, each func(key) waiting until all three were running: they returned "
        f"{got!r}. Different keys must compute at the same time: do not hold a lock while func runs.",
    )


def test_keys_in_reverse_order_in_lockstep_are_computed_once(exercise):
    """Five threads ask for keys 11 down to 0 together, with forced switches: each key computed once."""
    keys, counts, counting = list(range(11, -1, -1)), Counter(), threading.Lock()

    def label(key):
        with counting:
            counts[key] += 1
        return f"#{key}"

    results = in_lockstep(exercise, 5, keys, lambda: exercise.Memoizer(label), "Memoizer(label)", lambda memo, key: memo(key),
                          "5 threads calling memo(11) … memo(0)", HANG_ADVICE)
    twice = sorted(key for key, count in counts.items() if count > 1)
    expect(not twice, f"5 threads asked for keys 11, 10, … 0 together: label ran more than once for keys {twice}.")
    expect(all(values == [f"#{k}" for k in keys] for values in results), "Some memo(key) returned another key's value.")


def test_a_failing_key_does_not_disturb_another(exercise):
    """One key's func raises while another key's value stays remembered, and the failing key is tried again."""
    calls = Counter()

    def func(key):
        calls[key] += 1
        if key == "bad" and calls[key] == 1:
            raise Refused("bad, this time")
        return f"{key} value"

    memo = bounded(exercise.Memoizer, func, what="Memoizer(func)", advice=HANG_ADVICE)
    seen = [Outcome.of(bounded, memo, key, what=f"memo({key!r})", advice=HANG_ADVICE, catch=(Refused,)) for key in ["good", "bad", "good", "bad", "bad"]]
    expected = [Outcome("good value"), None, Outcome("good value"), Outcome("bad value"), Outcome("bad value")]
    expect(
        seen[1].raised and type(seen[1].error) is Refused and [s for i, s in enumerate(seen) if i != 1] == [e for i, e in enumerate(expected) if i != 1]
        and calls == Counter(good=1, bad=2),
        f"memo('good'), memo('bad') (raising Refused the first time), memo('good'), memo('bad'), memo('bad'): "
        f"{'; '.join(said(s) for s in seen)}, with func run {dict(calls)} times; expected the first memo('bad') to raise, "
        "the rest to return values, func to run once for 'good' and twice for 'bad'.",
    )


def test_four_waiters_all_get_the_one_failure(exercise):
    """Four threads ask for one key whose only computation raises KeyError: all four raise it, func runs once."""

    def refuse(number, key):
        raise KeyError(f"no {key!r} (call {number})")

    func = FirstCallHolds(exercise.__file__, 4, refuse)
    memo = bounded(exercise.Memoizer, func, what="Memoizer(refuse)", advice=HANG_ADVICE)
    outcomes = run_together([func.asking(lambda: Outcome.of(memo, "q", catch=(KeyError,)))] * 4, limit=HOLD_LIMIT + GRACE + QUICK,
                            what="4 threads calling memo('q'), where func('q') raises KeyError,", advice=HANG_ADVICE)
    expect(
        all(o.raised and str(o.error) == str(KeyError("no 'q' (call 1)")) for o in outcomes) and func.calls == 1,
        f"4 threads called memo('q') at once, func('q') raising KeyError: {'; '.join(said(o) for o in outcomes)}, with func run "
        f"{func.calls} times; expected every thread to raise the one computation's KeyError.",
    )
