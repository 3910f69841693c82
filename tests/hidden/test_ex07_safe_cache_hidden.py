"""Hidden checks for exercise 07: the same behaviours as the public checks, tried in other ways."""

from kata.harness import GRACE, HOLD_LIMIT, QUICK, FirstCallHolds, bounded, expect, outcome, run_together, said

ADVICE = "Is a thread waiting for a lock it already holds, or for a lock nobody releases?"


class Halt(BaseException):
    """A BaseException that is not an Exception."""


def test_five_threads_asking_for_a_key_whose_factory_makes_none_call_it_once(exercise):
    """Five threads asking at once for a missing key whose factory returns None call the factory once and all get None."""
    cache = bounded(exercise.SafeCache, what="SafeCache()", advice=ADVICE)
    factory = FirstCallHolds(exercise.__file__, 5, lambda number: None)
    ask = factory.asking(lambda: cache.get_or_compute(("k", 1), factory))
    results = run_together([ask] * 5, limit=HOLD_LIMIT + GRACE + QUICK, what="5 threads calling get_or_compute(('k', 1), factory)", advice=ADVICE)
    expect(factory.calls == 1, f"5 threads asked at once for ('k', 1), whose factory returns None: the factory ran {factory.calls} times, expected once.")
    expect(results == [None] * 5, f"5 threads asked for ('k', 1), whose factory returns None, and got {results!r}, expected None for each.")
    again = bounded(cache.get_or_compute, ("k", 1), lambda: "recomputed", what="get_or_compute(('k', 1), other_factory)", advice=ADVICE)
    expect(again is None, f"After None was stored under ('k', 1), get_or_compute(('k', 1), other_factory) returned {again!r}, expected the stored None.")


def test_a_factory_raising_a_base_exception_caches_nothing_and_leaves_the_cache_usable(exercise):
    """A factory that raises a BaseException subclass: the caller gets it, nothing is stored, and the cache keeps working."""
    cache = bounded(exercise.SafeCache, what="SafeCache()", advice=ADVICE)

    def halting():
        raise Halt("factory halted")

    got = outcome(cache.get_or_compute, "h", halting, what="cache.get_or_compute('h', halting)", advice=ADVICE)
    expect(type(got.error) is Halt, f"get_or_compute('h', halting), where halting raises Halt (a BaseException), {said(got)}; expected Halt.")
    missing = object()
    stored = bounded(cache.get, "h", missing, what="cache.get('h', missing)", advice=ADVICE + " Is the lock released when the factory raises?")
    expect(stored is missing, f"After the factory raised Halt, cache.get('h') returned {stored!r}: nothing may be stored.")
    got = bounded(cache.get_or_compute, "h", lambda: 0, what="get_or_compute('h', lambda: 0)", advice=ADVICE)
    expect(got == 0, f"After a factory raised Halt for 'h', get_or_compute('h', lambda: 0) returned {got!r}, expected 0.")


def test_falsy_values_and_unusual_keys_survive_a_snapshot(exercise):
    """Falsy values (0, '', None, []) under tuple and frozenset keys are stored, counted and copied like any other."""
    cache = bounded(exercise.SafeCache, what="SafeCache()", advice=ADVICE)
    entries = {("a", 1): 0, frozenset({1, 2}): "", 3: None, "list": []}
    for key, value in entries.items():
        bounded(cache.set, key, value, what=f"cache.set({key!r}, {value!r})", advice=ADVICE)
    copy = bounded(cache.snapshot, what="cache.snapshot()", advice=ADVICE)
    size = bounded(len, cache, what="len(cache)", advice=ADVICE)
    expect(copy == entries and size == 4, f"After storing {entries!r}: snapshot() returned {copy!r} and len() {size!r}; expected all four entries.")
    found = bounded(cache.get, 3, "absent", what="cache.get(3, 'absent')", advice=ADVICE)
    expect(found is None, f"cache.get(3, 'absent') returned {found!r}, expected the stored None (not the default).")
    computed = bounded(cache.get_or_compute, ("a", 1), lambda: "called", what="get_or_compute(('a', 1), factory)", advice=ADVICE)
    expect(computed == 0, f"get_or_compute(('a', 1), factory) returned {computed!r}, expected the stored 0 without calling the factory.")
