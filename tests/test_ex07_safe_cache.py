"""Checks for exercise 07: SafeCache stays whole under concurrent use and computes each key once."""

import threading
from collections import Counter

from kata import explorer as explore
from kata.explorer import Plan
from kata.harness import (
    GATE_LIMIT,
    GRACE,
    HOLD_LIMIT,
    QUICK,
    SETTLE,
    Call,
    FirstCallHolds,
    Outcome,
    bounded,
    expect,
    fail,
    forced_races,
    in_lockstep,
    real_sleep,
    run_together,
    said,
    settle,
    times,
)
from kata.harness.scenarios import scenario
from kata.harness.stepping import sit_still

THREADS = 8
#: Seconds a thread waiting for a key whose factory raised gets to go on and compute it itself.
WAKE_LIMIT = 2 * SETTLE
#: Seconds a call that does not sit in a threading wait is watched before it counts as blocked on a lock.
LOCK_STILL = 0.03
#: Seconds the factory call after a failed one takes: the threads woken by the failure all look for the key meanwhile.
RETRY_TAKES = 0.05
LOCK_TWICE = (
    "Is a thread waiting for a lock it already holds? A threading.Lock cannot be taken twice, "
    "not even by the thread that holds it: a method that holds the lock must not call another "
    "method that takes it (or the lock must be a threading.RLock)."
)


def test_set_get_and_len_work_like_a_dict(exercise):
    cache = new_cache(exercise)
    expect(len(cache) == 0, f"len(SafeCache()) is {len(cache)!r}, expected 0.")
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("a", 3)
    for args, expected in [(("a",), 3), (("b",), 2), (("missing",), None), (("missing", "fallback"), "fallback")]:
        got = cache.get(*args)
        call = f"cache.get({', '.join(map(repr, args))})"
        expect(got == expected, f"After set('a', 1), set('b', 2), set('a', 3): {call} returned {got!r}, expected {expected!r}.")
    expect(len(cache) == 2, f"After set('a', 1), set('b', 2), set('a', 3): len(cache) is {len(cache)!r}, expected 2.")


def test_snapshot_is_an_independent_copy(exercise):
    cache = new_cache(exercise)
    cache.set("a", 1)
    cache.set("b", 2)
    copy = cache.snapshot()
    expect(isinstance(copy, dict), f"cache.snapshot() returned {type(copy).__name__} {copy!r}, expected a dict.")
    expect(copy == {"a": 1, "b": 2}, f"After set('a', 1) and set('b', 2), cache.snapshot() returned {copy!r}, expected {{'a': 1, 'b': 2}}.")
    copy["c"] = 3
    expect(
        cache.get("c") is None and len(cache) == 2,
        "Adding 'c' to the dict that cache.snapshot() returned also added it to the cache. snapshot() "
        "must return a new dict, not the cache's own: the caller would change it without the lock.",
    )
    cache.set("a", 100)
    expect(
        copy.get("a") == 1,
        f"cache.set('a', 100) after snapshot() changed the snapshot too (it now says 'a': {copy.get('a')!r}). "
        "snapshot() must return a new dict, not the cache's own.",
    )


def test_snapshot_keeps_falsy_values(exercise):
    cache = new_cache(exercise)
    stored = {"zero": 0, "empty string": "", "empty list": [], "none": None, "false": False, "one": 1}
    for key, value in stored.items():
        cache.set(key, value)
    copy = cache.snapshot()
    expect(
        copy == stored,
        f"After set() of {', '.join(f'{k!r}: {v!r}' for k, v in stored.items())}, cache.snapshot() returned {copy!r}, "
        f"expected {stored!r}. A falsy value (0, '', [], None, False) is stored like any other: copy every entry, "
        "whatever its value.",
    )


def test_snapshot_while_other_threads_write_never_raises(exercise):
    writers, readers, snapshots, old, most = 2, 2, 15, 200, 3000
    problems = []
    with forced_races(exercise):
        cache = new_cache(exercise).cache
        for i in range(old):
            cache.set(("old", i), i)
        readers_left = [readers]
        stop = threading.Event()

        def writer(w):
            def work():
                n = 0
                while not stop.is_set() and n < most:
                    cache.set((w, n), n)
                    n += 1

            return work

        def reader():
            earlier = []
            try:
                for _ in range(snapshots):
                    seen = Outcome.of(cache.snapshot)
                    if seen.raised:
                        problems.append(seen.error)
                        return
                    got = seen.value
                    if any(got is e for e in earlier):
                        problems.append("returned the same dict object twice: the cache's own dict, not a copy.")
                        return
                    earlier.append(got)
                    problems.extend(inconsistency(got, old, writers))
            finally:
                readers_left.append(None)
                if len(readers_left) > readers:
                    stop.set()

        work = [writer(w) for w in range(writers)] + [reader] * readers
        run_together(work, limit=3 * QUICK, what="Threads calling set() and snapshot()", advice=LOCK_TWICE)
    if problems:
        problem = problems[0]
        if isinstance(problem, BaseException):
            fail(
                f"cache.snapshot() raised {type(problem).__name__}: {problem} — while {writers} other threads "
                "were calling cache.set(). Copying walks over every entry; a set() in the middle of the walk "
                "changes the dict under it. Keep writers out while you copy: hold the lock that set() takes."
            )
        fail(f"While {writers} threads were calling cache.set(), cache.snapshot() {problem}")


def test_get_and_len_while_other_threads_write_never_raise(exercise):
    writers, rounds, old = 2, 300, 100
    problems = []
    with forced_races(exercise):
        cache = new_cache(exercise).cache
        for i in range(old):
            cache.set(("old", i), i)
        written = [0] * writers

        def writer(w):
            def work():
                for n in range(rounds):
                    cache.set((w, n), n)
                    written[w] = n + 1

            return work

        def reader(w):
            def work():
                last = old
                for n in range(rounds):
                    done = written[w]
                    looked = Outcome.of(cache.get, (w, n % max(done, 1)), "missing")
                    size = Outcome.of(len, cache)
                    for call, seen in ((f"cache.get({(w, n % max(done, 1))!r}, 'missing')", looked), ("len(cache)", size)):
                        if seen.raised:
                            problems.append(f"{call} {said(seen)}")
                            return
                    if done and looked.value != n % done:
                        problems.append(
                            f"cache.get({(w, n % done)!r}, 'missing') returned {looked.value!r}, expected {n % done!r}, stored before it was asked for"
                        )
                        return
                    if not isinstance(size.value, int) or size.value < last:
                        problems.append(f"len(cache) returned {size.value!r} after {last}: entries are only ever added")
                        return
                    last = size.value

            return work

        work = [writer(w) for w in range(writers)] + [reader(w) for w in range(writers)]
        run_together(work, limit=3 * QUICK, what="Threads calling set(), get() and len()", advice=LOCK_TWICE)
    expect(
        not problems,
        f"While {writers} threads were calling cache.set(), {problems[0] if problems else ''}. Reading walks over the entries "
        "or looks one up while another thread may change the dict: hold the lock that set() takes in get() and len() too.",
    )


def inconsistency(copy, old, writers):
    """What is wrong with a snapshot taken while writer w stored (w, 0), (w, 1), … in order."""
    if not isinstance(copy, dict):
        return [f"returned {type(copy).__name__}, expected a dict."]
    copy = dict(copy)  # in case it is the cache's own dict, still changing
    missing = [i for i in range(old) if ("old", i) not in copy]
    if missing:
        return [f"returned a dict without the key {('old', missing[0])!r}, stored before the threads started."]
    for w in range(writers):
        seen = sorted(n for key, n in copy.items() if isinstance(key, tuple) and key[0] == w)
        if seen != list(range(len(seen))):
            gap = next(n for n, s in enumerate(seen) if s != n)
            return [
                f"returned a dict with {(w, seen[-1])!r} but without {(w, gap)!r}, which was stored before it: "
                "the cache was never in that state. Copy while no set() can run."
            ]
    return []


def test_get_or_compute_stores_and_returns_the_factory_value(exercise):
    cache = new_cache(exercise)
    calls = []

    def make_answer():
        calls.append(1)
        return 42

    got = cache.get_or_compute("answer", make_answer)
    expect(
        got == 42 and len(calls) == 1,
        f"On an empty cache, get_or_compute('answer', make_answer) returned {got!r} after {len(calls)} call(s) of make_answer, expected 42 after one call.",
    )
    stored = cache.get("answer")
    expect(
        stored == 42,
        f"After get_or_compute('answer', make_answer) returned 42, cache.get('answer') returned {stored!r}, expected 42: the value must be stored.",
    )
    got = cache.get_or_compute("answer", make_answer)
    expect(
        got == 42 and len(calls) == 1,
        f"The second get_or_compute('answer', make_answer) returned {got!r} and make_answer has now run {len(calls)} times; "
        "expected 42 from the cache, without calling make_answer again.",
    )
    cache.set("name", "Ada")
    got = cache.get_or_compute("name", make_answer)
    expect(
        got == "Ada" and len(calls) == 1,
        f"After set('name', 'Ada'), get_or_compute('name', make_answer) returned {got!r}, expected 'Ada' without calling make_answer.",
    )


def test_a_stored_none_is_not_computed_again(exercise):
    cache = new_cache(exercise)
    calls = []

    def make_nothing():
        calls.append(1)

    for _ in range(2):
        got = cache.get_or_compute("nothing", make_nothing)
        expect(got is None, f"get_or_compute('nothing', make_nothing) returned {got!r}, expected None (what make_nothing returns).")
    expect(
        len(calls) == 1,
        f"get_or_compute('nothing', make_nothing) twice: make_nothing, which returns None, ran {len(calls)} times, "
        "expected once. A stored None is still stored; ask whether the key is in the dict, not whether its value is None.",
    )


def test_many_threads_asking_for_one_missing_key_call_the_factory_once(exercise):
    cache = new_cache(exercise).cache
    factory = FirstCallHolds(exercise.__file__, THREADS, lambda number: f"value made by call {number}")
    ask = factory.asking(lambda: cache.get_or_compute("answer", factory))
    results = run_together(
        [ask] * THREADS,
        limit=HOLD_LIMIT + GRACE + QUICK,
        what=f"{THREADS} threads calling get_or_compute('answer', factory)",
        advice=LOCK_TWICE,
    )
    expect(
        factory.calls == 1,
        f"{THREADS} threads called cache.get_or_compute('answer', factory) at the same moment: factory was called "
        f"{factory.calls} times, expected once. Between finding 'answer' missing and storing the value, another "
        "thread found it missing too. Looking for the key and storing the value must be one step under the lock.",
    )
    wrong = sorted({repr(r) for r in results if r != "value made by call 1"})
    expect(
        not wrong,
        f"{THREADS} threads called cache.get_or_compute('answer', factory) at the same moment; some got "
        f"{', '.join(wrong)} instead of 'value made by call 1', the value the one factory call made.",
    )


def test_threads_asking_for_many_keys_call_each_factory_once(exercise):
    keys, counts, counting = range(30), Counter(), threading.Lock()

    def factory_for(key):
        def factory():
            with counting:
                counts[key] += 1
            real_sleep(0.0005)  # a factory takes a moment: long enough for another thread to look for the key
            return key * 10

        return factory

    results = in_lockstep(
        exercise, THREADS, keys, exercise.SafeCache, "SafeCache()",
        lambda cache, key: cache.get_or_compute(key, factory_for(key)),
        f"{THREADS} threads calling get_or_compute() for keys 0 … {keys[-1]}", LOCK_TWICE,
    )
    twice = sorted(key for key, count in counts.items() if count > 1)
    if twice:
        fail(
            f"{THREADS} threads called cache.get_or_compute(key, factory) together for key 0, then together for key 1, "
            f"… up to key {keys[-1]}, with thread switches forced inside your code: a factory ran more than once for "
            f"{len(twice)} of the keys (the one for key {twice[0]} ran {counts[twice[0]]} times). Finding a key missing "
            "and storing its value must be one step that no other thread can come between."
        )
    for values in results:
        for key, got in zip(keys, values):
            expect(got == key * 10, f"cache.get_or_compute({key}, factory), where factory returns {key * 10}, returned {got!r}.")


def test_a_factory_that_raises_caches_nothing(exercise):
    cache = new_cache(exercise)
    cache.set("kept", 1)

    def failing_factory():
        raise BackendDown("the database is down")

    got = Outcome.of(cache.get_or_compute, "answer", failing_factory)
    expect(
        got.raised and isinstance(got.error, BackendDown),
        "cache.get_or_compute('answer', failing_factory), where failing_factory raises BackendDown('the database is down'), "
        + said(got)
        + ". Expected the factory's own BackendDown to reach the caller.",
    )
    missing = object()
    stored = cache.get("answer", missing)
    expect(
        stored is missing,
        f"After the factory raised, cache.get('answer') returned {stored!r}: something was stored. Store only a value "
        "the factory returned, so that a later call can try again.",
    )
    size = len(cache)
    expect(size == 1, f"After the factory raised, len(cache) is {size}, expected 1 (only 'kept'): nothing may be stored.")
    got = cache.get_or_compute("answer", lambda: 42)
    expect(got == 42, f"After a factory raised for 'answer', a later get_or_compute('answer', lambda: 42) returned {got!r}, expected 42: it must try again.")


def test_threads_waiting_for_a_factory_that_raises_still_get_a_value(exercise):
    cache = new_cache(exercise).cache

    def outcome(number):
        if number == 1:
            raise Halt("the first factory call halted")
        real_sleep(RETRY_TAKES)  # long enough for every other woken thread to look for the key meanwhile
        return f"value made by call {number}"

    factory = FirstCallHolds(exercise.__file__, THREADS, outcome)
    ask = factory.asking(lambda: Outcome.of(cache.get_or_compute, "answer", factory, catch=(BaseException,)))
    results = run_together(
        [ask] * THREADS,
        limit=HOLD_LIMIT + GRACE + QUICK,
        what=f"{THREADS} threads calling get_or_compute('answer', factory), whose first call raises Halt",
        advice="When the factory raises, are the threads waiting for that key woken, and is the key no longer marked as being computed? "
        "Halt is a BaseException, not an Exception: clean up on every way out (`with`, or try/finally).",
    )
    halted = [r for r in results if r.raised and isinstance(r.error, Halt)]
    others = sorted({said(r) for r in results if not (r.raised and isinstance(r.error, Halt))})
    told = (
        f"{THREADS} threads called cache.get_or_compute('answer', factory) at the same moment; the first factory call raised "
        "Halt (a BaseException) and later calls return a value"
    )
    expect(len(halted) == 1, f"{told}: {len(halted)} threads got Halt, expected exactly one, the caller whose factory call raised it.")
    expect(
        factory.calls == 2 and others == [said(Outcome("value made by call 2"))],
        f"{told}: the factory ran {times(factory.calls)} and the other threads {', '.join(others)}; expected it to run twice "
        "(the failed call, then one more) and every other thread to get 'value made by call 2'. A failed factory stores nothing, "
        "so one waiting thread computes the key again and the rest wait for that one.",
    )



def test_a_waiter_for_a_key_whose_factory_raised_goes_on_while_waiters_for_another_key_wait(exercise):
    cache = new_cache(exercise).cache
    k1_running, k1_raise, k2_entered, w1_done = (threading.Event() for _ in range(4))
    told = (
        "Thread A called cache.get_or_compute('k1', factory) and thread B get_or_compute('k2', factory), "
        "then thread W2 asked for 'k2' and, once W2 was waiting, thread W1 for 'k1'; then A's factory raised BackendDown"
    )

    def k1_factory():
        k1_running.set()
        k1_raise.wait(GATE_LIMIT)
        raise BackendDown("the database is down")

    def k2_factory():
        k2_entered.set()
        if k1_running.is_set() and not k1_raise.is_set():
            w1_done.wait(GATE_LIMIT)  # it overlaps A's factory: 'k2' stays in progress until W1 is done
        return "value of k2"

    calls = {"A": Call(cache.get_or_compute, "k1", k1_factory)}
    try:
        expect(k1_running.wait(QUICK), "cache.get_or_compute('k1', factory) on an empty cache did not call factory within 2 s.")
        for name, key, factory in (("B", "k2", k2_factory), ("W2", "k2", k2_factory), ("W1", "k1", lambda: "value made by W1")):
            calls[name] = Call(cache.get_or_compute, key, factory)
            blocked(calls[name])
        k1_raise.set()
        finished = calls["W1"].wait_unless_proved(WAKE_LIMIT, what="W1: cache.get_or_compute('k1', factory)", advice=LOCK_TWICE)
        w1_done.set()
        expect(
            finished,
            f"{told} while B's factory for 'k2' was still running: {WAKE_LIMIT:g} s later W1 was still waiting, although "
            "nothing was computing 'k1' any more (a factory that raises caches nothing, so W1 may compute it itself). "
            "When a factory raises, are all the threads that wait woken? notify() wakes one waiter, perhaps W2, which "
            "finds 'k2' still in progress and waits again; notify_all() wakes W1 too.",
        )
        got = calls["W1"].outcome(what="W1: cache.get_or_compute('k1', factory)", advice=LOCK_TWICE)
        expect(
            got == Outcome("value made by W1"),
            f"{told}: W1 {said(got)}, expected 'value made by W1', what its own factory returns, as nothing was stored for 'k1'.",
        )
    finally:
        k1_raise.set()
        w1_done.set()
        for call in calls.values():
            call.finish(QUICK)


# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly. The
# scenarios' factory pauses on the explorer's virtual clock (a second costs nothing), so the other
# thread always asks while the factory is still running.
#
# Left to the real-thread checks, because they need no second thread and the checks above find them
# directly: caches_failed_factory (test_a_factory_that_raises_caches_nothing) and
# none_means_missing (test_a_stored_none_is_not_computed_again).


@scenario(
    "test_explorer_finds_one_missing_key_computed_once",
    finds=["check_then_act", "key_lock_made_without_the_lock", "lock_taken_twice"],
)
def two_threads_ask_for_one_missing_key():
    """Threads A and B each call get_or_compute('answer', factory) on an empty cache; factory takes a second."""

    def scenario(module):
        cache = module.SafeCache()
        ran = []  # the thread each factory call ran in

        def factory():
            ran.append(threading.current_thread().name)
            number = len(ran)
            explore.sleep(1)
            return f"value made by call {number}"

        def ask():
            return cache.get_or_compute("answer", factory)

        def verdict(results, run):
            if len(ran) == 1 and results["A"] == results["B"] == "value made by call 1":
                return None
            computing = run.steps_noting("sleeps")
            if len(computing) >= 2:
                run.focus, run.end = computing[0], computing[1]
            return (
                "Threads A and B each called cache.get_or_compute('answer', factory) on an empty cache, where factory "
                f"takes a second: factory ran {times(len(ran))} ({', then '.join(f'in thread {t}' for t in ran)}), "
                f"expected once; thread A got {results['A']!r}, thread B got {results['B']!r}. Between finding "
                "'answer' missing and storing the value, the other thread found it missing too. Looking for the key "
                "and storing the value must be one step under the lock."
            )

        return Plan({"A": ask, "B": ask}, verdict)

    return scenario


@scenario(
    "test_explorer_finds_snapshot_while_another_thread_sets",
    finds=["set_without_lock", "snapshot_returns_internal_dict", "snapshot_without_lock"],
)
def snapshot_while_another_thread_sets():
    """Thread A calls set('d', 4) while thread B calls snapshot(), on a cache holding a, b and c."""

    def scenario(module):
        cache = module.SafeCache()
        for number, key in enumerate("abc", 1):
            cache.set(key, number)
        before, after = {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 3, "d": 4}

        def snapshot():
            copy = cache.snapshot()
            return copy, dict(copy) if isinstance(copy, dict) else None  # what it held when it was returned

        def verdict(results, run):
            copy, when_returned = results["B"]
            told = (
                "Thread A called cache.set('d', 4) while thread B called cache.snapshot(), on a cache holding "
                f"{before}: "
            )
            if not isinstance(copy, dict):
                return told + f"snapshot() returned {type(copy).__name__} {copy!r}, expected a dict."
            if when_returned not in (before, after):
                return told + (
                    f"snapshot() returned {when_returned}, a state the cache was never in. Copy while no set() "
                    "can run: hold the lock that set() takes."
                )
            if copy != when_returned:
                return told + (
                    f"snapshot() returned {when_returned}, and that dict later became {copy}: it is the cache's "
                    "own dict, not a copy. Return a new dict, made while you hold the lock."
                )
            copy["e"] = 5
            if cache.get("e") is not None:
                return told + (
                    "adding 'e' to the dict snapshot() returned also added it to the cache: it is the cache's own "
                    "dict, not a copy, and its caller would change it without the lock. Return a new dict, made "
                    "while you hold the lock."
                )
            return None

        return Plan(
            {"A": lambda: cache.set("d", 4), "B": snapshot},
            verdict,
            advice="snapshot() copied the cache while set() was changing it: both must hold the same lock, so the copy "
            "sees the cache either before or after a change, never in the middle of one.",
        )

    return scenario

# Helpers of the checks above: this exercise's own story ---------------------------------------


class BackendDown(Exception):
    """What the checks' failing factory raises."""


class Halt(BaseException):
    """A BaseException that is not an Exception, as KeyboardInterrupt is."""


def shown(value):
    return getattr(value, "__name__", None) or repr(value)


class Watched:
    """The learner's cache, with every method call bounded and named in failure messages."""

    def __init__(self, exercise, cache):
        self.exercise = exercise
        self.cache = cache

    def call(self, method, *args):
        __tracebackhide__ = True
        what = f"cache.{method}({', '.join(shown(a) for a in args)})"
        func = len if method == "__len__" else getattr(self.cache, method)
        args = (self.cache,) if method == "__len__" else args
        what = "len(cache)" if method == "__len__" else what
        return bounded(func, *args, what=what, advice=LOCK_TWICE)

    def __getattr__(self, method):
        return lambda *args: self.call(method, *args)

    def __len__(self):
        return self.call("__len__")


def blocked(call):
    """Wait until ``call`` waits: in a threading wait (Condition, Event) or for a held Lock at a `with` line of the
    learner's file at once, or else, blocked some other way (an RLock), once its thread stands still."""
    if settle(call, limit=LOCK_STILL, locks=True) is None:
        sit_still(call)


def new_cache(exercise):
    return Watched(exercise, bounded(exercise.SafeCache, what="SafeCache()", advice=LOCK_TWICE))
