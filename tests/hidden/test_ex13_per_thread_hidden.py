"""Hidden checks for exercise 13: the same behaviours as the public checks, tried in other ways."""

import functools
import threading

from kata.harness import Outcome, bounded, expect, forced_races, run_together

HANG_ADVICE = "Is get() waiting for a lock that is never released?"


class Abort(BaseException):
    """What the checks' factory raises: a BaseException that is not an Exception."""


def test_none_and_falsy_objects_from_the_factory_are_kept(exercise):
    """A factory that returns None, 0, "" or an empty list is called once per thread, and get() returns that very object."""
    for made in (None, 0, "", []):
        calls = []
        per = exercise.PerThread(lambda made=made: calls.append(1) or made)
        got = bounded(lambda: [per.get() for _ in range(4)], what="4 calls of get() in one thread", advice=HANG_ADVICE)
        expect(
            len(calls) == 1 and all(g is made for g in got),
            f"PerThread(factory), where factory() returns {made!r}: 4 calls of get() in one thread called factory() "
            f"{len(calls)} times and returned {got!r}; expected one call and that same object every time. A falsy "
            "object is still this thread's object.",
        )


def test_a_base_exception_from_the_factory_reaches_the_caller_and_keeps_nothing(exercise):
    """A factory that raises a BaseException subclass: get() raises it, and the next get() calls the factory again."""
    calls = []

    def factory():
        calls.append(1)
        if len(calls) == 1:
            raise Abort("the first factory() call gave up")
        return "made by call 2"

    per = exercise.PerThread(factory)

    def body():
        first = Outcome.of(per.get, catch=(BaseException,))  # in this thread, like the second get()
        return first, per.get()

    first, second = bounded(body, what="get() twice, the first factory() raising Abort", advice=HANG_ADVICE)
    expect(
        first.raised and type(first.error) is Abort and str(first.error) == "the first factory() call gave up",
        f"factory() raised Abort (a BaseException) on the first get(); that get() ended with {first!r}, expected the "
        "same Abort to reach the caller.",
    )
    expect(
        second == "made by call 2" and len(calls) == 2,
        f"After factory() raised Abort, the next get() in that thread returned {second!r} after {len(calls)} factory "
        "calls; expected a second factory() call and its object.",
    )


def test_any_callable_is_a_factory(exercise):
    """A functools.partial and an object with __call__ work as factories, one object per thread each."""

    class Maker:
        def __call__(self):
            return object()

    for factory in (functools.partial(dict, made=True), Maker()):
        per = exercise.PerThread(factory)
        got = run_together([lambda: (per.get(), per.get())] * 4, what="4 threads calling get() twice", advice=HANG_ADVICE)
        firsts = {id(a) for a, _ in got}
        expect(
            all(a is b for a, b in got) and len(firsts) == 4,
            f"PerThread({factory!r}) with 4 threads calling get() twice: {len(firsts)} different objects, "
            f"{'each thread' if all(a is b for a, b in got) else 'not every thread'} getting the same one twice; expected 4.",
        )


def test_two_per_thread_objects_in_many_threads_at_once_stay_apart(exercise):
    """Twelve threads, with forced switches, each call get() on two PerThread objects in turn; every object is its own."""
    threads = 12

    def worker():
        return [(one.get(), two.get()) for _ in range(3)]

    with forced_races(exercise):
        one, two = exercise.PerThread(lambda: ["one"]), exercise.PerThread(lambda: ["two"])
        results = run_together([worker] * threads, what=f"{threads} threads calling get() on two PerThread objects", advice=HANG_ADVICE)
    objects = [pair for got in results for pair in got[:1]]
    stable = all(all(a is got[0][0] and b is got[0][1] for a, b in got) for got in results)
    distinct = len({id(x) for pair in objects for x in pair})
    expect(
        stable and distinct == 2 * threads and all(a == ["one"] and b == ["two"] for a, b in objects),
        f"{threads} threads each called get() on PerThread(one) and PerThread(two), 3 times in turn: "
        f"{distinct} different objects{'' if stable else ', not the same ones every time'}; expected {2 * threads}, "
        "one per thread from each PerThread.",
    )


def test_threads_one_after_another_with_one_name_get_new_objects(exercise):
    """Ten threads, one after another and all named 'same', each get a new object from get()."""
    per = exercise.PerThread(lambda: object())
    kept = []
    for _ in range(10):
        def body():
            threading.current_thread().name = "same"
            return per.get()

        kept.append(bounded(body, what="get() in a new thread named 'same'", advice=HANG_ADVICE))
    distinct = len({id(k) for k in kept})
    expect(
        distinct == 10,
        f"10 threads, one after another, all named 'same', called get() and received {distinct} different object(s); "
        "expected 10. Neither a thread's name nor the number of an ended thread tells a new thread apart.",
    )
