"""Checks for exercise 16: Memoizer computes each key once, keys in parallel, and forgets failures."""

import contextlib
import functools
import os
import threading
import time
from collections import Counter
from pathlib import Path

from kata import explorer as explore
from kata.explorer import Plan
from kata.harness import (
    GRACE,
    HOLD_LIMIT,
    QUICK,
    Call,
    FirstCallHolds,
    Outcome,
    bounded,
    deadlocks,
    expect,
    fail,
    in_lockstep,
    run_together,
    said,
    said_briefly,
    settle,
    times,
)
from kata.harness.scenarios import scenario

THREADS = 8
HANG_ADVICE = (
    "Is a thread waiting for a computation that has already ended (and nobody woke it), or for a "
    "lock that is never released?"
)
SERIALIZED = (
    "func('slow') was still running, and memo('fast') waited for it: one slow key holds up every other "
    "key. Is a lock held while func runs? Hold it only to look up or register the key; compute outside it."
)


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
        limit=HOLD_LIMIT + GRACE + QUICK,
        what=f"{THREADS} threads calling memo('k')",
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
    with slow_key_computing(exercise) as (memo, slow, meanwhile):
        fast = meanwhile("fast")
    expect(fast == "fast value", f"memo('fast') returned {fast!r}, expected 'fast value'.")
    got = slow.result(what="memo('slow')", advice=HANG_ADVICE)
    expect(got == "slow value", f"memo('slow') returned {got!r}, expected 'slow value'.")


def test_a_failure_reaches_the_caller_and_is_not_remembered(exercise):
    calls = []

    def flaky(key):
        calls.append(key)
        if len(calls) == 1:
            raise BackendDown(f"no value for {key!r} yet")
        return f"{key} value"

    memo = new_memoizer(exercise, flaky)
    got = Outcome.of(ask, exercise, memo, "k")
    expect(
        got.raised and isinstance(got.error, BackendDown),
        f"memo = Memoizer(flaky), where flaky raises BackendDown on its first call: memo('k') {said(got)}. "
        "Expected flaky's own BackendDown to reach the caller.",
    )
    got = Outcome.of(ask, exercise, memo, "k")
    expect(
        got == Outcome("k value") and len(calls) == 2,
        f"memo = Memoizer(flaky): after memo('k') raised, the next memo('k') {said(got)} and flaky ran "
        f"{len(calls)} time(s) in all; expected 'k value' from a second run of flaky. A computation that raised "
        "must not be remembered: the next call computes again.",
    )


def test_a_failure_reaches_every_thread_waiting_for_it(exercise):
    def fail_every_time(number, key):
        raise BackendDown(f"no value for {key!r}")

    func = FirstCallHolds(exercise.__file__, THREADS, fail_every_time)
    memo = new_memoizer(exercise, func)
    work = func.asking(lambda: Outcome.of(memo, "k"))
    outcomes = run_together(
        [work] * THREADS,
        limit=HOLD_LIMIT + GRACE + QUICK,
        what=f"{THREADS} threads calling memo('k'), where func('k') raises,",
        advice="When func raises, are the threads waiting for that key woken and given the exception?",
    )
    wrong = [said(got) for got in outcomes if not (got.raised and isinstance(got.error, BackendDown))]
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


def test_a_base_exception_reaches_every_waiter_and_is_not_remembered(exercise):
    def give_up_first(number, key):
        if number == 1:
            raise GiveUp(f"gave up on {key!r}")
        return f"value made by call {number}"

    func = FirstCallHolds(exercise.__file__, THREADS, give_up_first)
    memo = new_memoizer(exercise, func)
    work = func.asking(lambda: Outcome.of(memo, "k", catch=(BaseException,)))
    outcomes = run_together(
        [work] * THREADS,
        limit=HOLD_LIMIT + GRACE + QUICK,
        what=f"{THREADS} threads calling memo('k'), where func('k') raises GiveUp (a BaseException, not an Exception),",
        advice="When func raises something that is not an Exception, are the threads waiting for that key still woken and told?",
    )
    wrong = [said(got) for got in outcomes if not (got.raised and type(got.error) is GiveUp)]
    expect(
        not wrong,
        f"{THREADS} threads called memo('k') at the same moment and func('k') raised GiveUp, a BaseException subclass "
        f"(as KeyboardInterrupt is); {len(wrong)} of them did not raise it: {'; '.join(sorted(set(wrong)))}. Hand on "
        "whatever func raised, `except BaseException`, not only an Exception.",
    )
    got = Outcome.of(ask, exercise, memo, "k")
    expect(
        got == Outcome("value made by call 2") and func.calls == 2,
        f"After func('k') raised GiveUp, the next memo('k') {said(got)}, with func run {times(func.calls)} in all; "
        "expected 'value made by call 2' from a second run. A computation that raised, whatever it raised, is not remembered.",
    )


def test_an_exception_object_that_func_returns_is_a_value(exercise):
    calls = []
    made = BackendDown("a returned exception object")

    def describe(key):
        calls.append(key)
        return made

    memo = new_memoizer(exercise, describe)
    for _ in range(2):
        got = Outcome.of(ask, exercise, memo, "k")
        expect(
            got == Outcome(made),
            f"memo = Memoizer(describe), where describe *returns* (not raises) the exception object {made!r}: "
            f"memo('k') {said(got)}. A returned exception object is a value like any other: keep what func returned "
            "apart from what it raised, rather than asking isinstance(result, Exception).",
        )
    expect(len(calls) == 1, f"memo('k') twice ran describe {times(len(calls))}, expected once: its returned value is remembered.")


def test_a_waiter_is_not_woken_by_another_key_finishing(exercise):
    with slow_key_computing(exercise) as (memo, slow, meanwhile):
        waiter = Call(memo, "slow")
        waiting = settle(waiter)
        if waiter.done():
            fail(
                f"While func('slow') was still computing, a second memo('slow') {said(waiter.outcome(what='memo(slow)', limit=0))} "
                "at once; expected it to wait for that computation."
            )
        fast = meanwhile("fast")
        expect(fast == "fast value", f"memo('fast') returned {fast!r}, expected 'fast value'.")
        settle(waiter, previous=waiting)
        if waiter.done():
            fail(
                f"A thread waited in memo('slow') while func('slow') was computing; when memo('fast') finished, the waiting "
                f"memo('slow') {said(waiter.outcome(what='memo(slow)', limit=0))} though func('slow') was still running. "
                "A wakeup only says that *something* changed: after waking, check again whether your own key is done "
                "(`while`, not `if`, around the wait), or wait on something that belongs to that key alone."
            )
    for call in (slow, waiter):
        got = call.result(what="memo('slow')", advice=HANG_ADVICE)
        expect(got == "slow value", f"memo('slow') returned {got!r}, expected 'slow value'.")


def test_any_callable_works_as_func(exercise):
    class Square:
        """An object with __call__: callable, but it has no __name__."""

        def __init__(self):
            self.calls = []

        def __call__(self, key, scale=1):
            self.calls.append(key)
            return scale * key * key

    for shown, make in [("an object with __call__", lambda sq: sq), ("a functools.partial", lambda sq: functools.partial(sq, scale=10))]:
        square = Square()
        func = make(square)
        memo = bounded(exercise.Memoizer, func, what=f"Memoizer(func), with func {shown},", advice=HANG_ADVICE)
        got = [ask(exercise, memo, 3) for _ in range(2)]
        expected = func(3)
        square.calls.pop()  # the call just made here, for the expected value
        expect(
            got == [expected] * 2 and square.calls == [3],
            f"Memoizer(func), with func {shown}: memo(3) twice returned {got!r}, with func run {len(square.calls)} time(s); "
            f"expected {expected!r} twice and one run. func may be any callable: a function, a bound method, a partial, "
            "an object with __call__.",
        )


# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly. The
# scenarios' func pauses on the explorer's virtual clock (a second costs nothing), so the other
# threads always ask while a computation is still running.
#
# Left to the real-thread checks: none_means_unknown (a remembered None is computed again even with one
# thread, no race needed; test_a_remembered_none_is_not_computed_again finds it), returned_exception_is_raised
# (one thread whose func returns an exception object shows it; test_an_exception_object_that_func_returns_is_a_value)
# and base_exception_is_not_handed_on (a func raising a BaseException with one thread waiting shows it,
# no race needed; test_a_base_exception_reaches_every_waiter_and_is_not_remembered finds it).


def in_threads(names):
    return ", then ".join(f"thread {name}" for name in names)


def slow_func(ran: list, returning=None):
    """The scenarios' func('k'): notes the thread it runs in, in ``ran``, takes a second of the
    explorer's time, sets ``returning`` (if given) as it returns, and returns which call it was."""

    def func(key):
        ran.append(threading.current_thread().name)
        number = len(ran)
        explore.sleep(1)
        if returning is not None:
            returning.set()
        return f"value made by call {number}"

    return func


@scenario("test_explorer_finds_one_key_computed_once", finds=["entry_registered_without_lock", "no_lock"])
def two_threads_ask_for_one_key():
    """Threads A and B each call memo('k') once; func('k') takes a second and must run only once."""

    def scenario(module):
        ran = []  # the thread each func('k') ran in
        memo = module.Memoizer(slow_func(ran))

        def verdict(results, run):
            if len(ran) == 1 and results["A"] == results["B"] == "value made by call 1":
                return None
            computing = run.steps_noting("sleeps")
            if len(computing) >= 2:
                run.focus, run.end = computing[0], computing[1]
            return (
                f"Threads A and B each called memo('k'), where func('k') takes a second: func('k') ran {times(len(ran))} "
                f"({in_threads(ran)}), expected once; thread A got {results['A']!r}, thread B got {results['B']!r}. "
                "Between finding 'k' unknown and recording it, the other thread found it unknown too. Under a lock, "
                "record that 'k' is being computed, so that the other thread waits for that computation instead of "
                "starting its own."
            )

        return Plan({"A": lambda: memo("k"), "B": lambda: memo("k")}, verdict)

    return scenario


@scenario("test_explorer_finds_a_key_asked_for_as_it_is_stored_is_not_computed_again",
          finds=["value_looked_up_outside_the_lock", "end_recorded_in_two_steps"])
def a_key_asked_for_as_it_is_stored():
    """Thread A calls memo('k'), where func('k') takes a second; thread B calls memo('k') just as that second ends."""

    def scenario(module):
        ran = []  # the thread each func('k') ran in
        returning = explore.label(explore.Event(), "func_returning")
        memo = module.Memoizer(slow_func(ran, returning))

        def late():
            returning.wait(5)  # set as func('k') returns: its end and this call interleave
            return memo("k")

        def verdict(results, run):
            if len(ran) == 1 and results["A"] == results["B"] == "value made by call 1":
                return None
            scene = (
                "Thread A called memo('k'), where func('k') takes a second, and thread B called memo('k') just as that "
                f"second ended: func('k') ran {times(len(ran))} ({in_threads(ran)})"
            )
            got = f"thread A got {results['A']!r}, thread B got {results['B']!r}"
            if len(ran) == 1:
                return f"{scene}, but {got}; expected 'value made by call 1', the value the one computation made, for both."
            computing = run.steps_noting("sleeps")
            if len(computing) >= 2:  # from B's call to its own func('k')
                run.focus, run.end = computing[1], computing[1]
            return (
                f"{scene}, expected once; {got}. Thread B found 'k' neither remembered nor being computed, though A "
                "had computed it. Finding a key's value or its computation in progress must be one step under the "
                "lock, and so must recording a computation's end together with its value."
            )

        return Plan({"A": lambda: memo("k"), "B": late}, verdict)

    return scenario


@scenario("test_explorer_finds_a_slow_key_does_not_hold_up_another", finds=["global_lock_while_computing"])
def a_slow_key_does_not_hold_up_another():
    """Thread A calls memo('slow'); while func('slow') runs, thread B calls memo('fast'), then lets 'slow' finish."""

    def scenario(module):
        may_finish = explore.label(explore.Event(), "slow_may_finish")
        released = []  # what func('slow')'s wait for slow_may_finish returned

        def func(key):
            if key == "slow":
                released.append(may_finish.wait(5))
            return f"{key} value"

        memo = module.Memoizer(func)

        def fast():
            explore.sleep(0.5)  # by now func('slow') is running
            try:
                return memo("fast")
            finally:
                may_finish.set()

        def verdict(results, run):
            if released == [True] and results == {"A": "slow value", "B": "fast value"}:
                return None
            if released == [False]:
                return (
                    "Thread A called memo('slow'); while func('slow') was running, thread B called memo('fast'), and "
                    "func('slow') would finish as soon as memo('fast') had returned. But memo('fast') waited for "
                    "func('slow') instead, until func('slow') gave up 5 s later: one slow key holds up every other "
                    "key. Is a lock held while func runs? Hold it only to look up or register the key; compute outside it."
                )
            return (
                f"Thread A called memo('slow') and thread B memo('fast'): they returned {results['A']!r} and "
                f"{results['B']!r}, expected 'slow value' and 'fast value'."
            )

        return Plan({"A": lambda: memo("slow"), "B": fast}, verdict)

    return scenario


@scenario(
    "test_explorer_finds_a_failure_reaches_every_waiter_and_is_forgotten",
    finds=["caches_exception", "failed_waiters_hang", "waiters_compute_again", "waiters_get_none"],
)
def a_failure_reaches_every_waiter_and_is_forgotten():
    """Threads A, B and C each call memo('k') twice; the first flaky('k') raises after a second, later ones return."""

    def scenario(module):
        ran = []  # the thread each flaky('k') ran in

        def flaky(key):
            ran.append(threading.current_thread().name)
            number = len(ran)
            explore.sleep(1)
            if number == 1:
                raise BackendDown(f"no value for {key!r} yet")
            return f"value made by call {number}"

        memo = module.Memoizer(flaky)

        def twice():
            outcomes = []
            for _ in range(2):
                outcomes.append(Outcome.of(memo, "k", catch=(BackendDown,)))
            return outcomes

        def verdict(results, run):
            firsts_raised = all(results[name][0].raised for name in "ABC")
            seconds_computed = all(results[name][1] == Outcome("value made by call 2") for name in "ABC")
            if firsts_raised and seconds_computed and len(ran) == 2:
                return None
            computing = run.steps_noting("sleeps")
            if computing:
                run.focus = computing[0]
            calls = "; ".join(
                f"{'Thread' if name == 'A' else 'thread'} {name} {said_briefly(results[name][0])}, then {said_briefly(results[name][1])}"
                for name in "ABC"
            )
            told = (
                "Threads A, B and C each called memo('k') twice; flaky('k') raises BackendDown on its first run (after "
                f"a second) and returns 'value made by call N' on its N-th. flaky ran {times(len(ran))} "
                f"({in_threads(ran)}). {calls}. "
            )
            owner = ran[0] if ran else None
            wrong = [name for name in "ABC" if not results[name][0].raised]
            if wrong and wrong[0] == owner:
                return told + f"Thread {owner}'s own flaky('k') raised BackendDown, so its memo('k') must raise it too."
            if wrong:
                waiter = wrong[0]
                got = results[waiter][0].value
                number = int(got.rsplit(" ", 1)[-1]) if isinstance(got, str) and got.startswith("value made by call ") else 0
                again = 0 < number <= len(ran) and ran[number - 1] == waiter
                if again and len(computing) >= 2:
                    run.end = computing[1]
                return told + (
                    f"Thread {waiter} asked for 'k' while thread {owner}'s flaky('k') was running, so it must wait for "
                    "that computation and raise its BackendDown"
                    + (", not run flaky('k') again itself." if again else ".")
                    + " Every thread waiting for a computation that raised must get its exception."
                )
            return told + (
                "After the first flaky('k') raised, every second call should get 'value made by call 2': a computation "
                "that raised must not be remembered, so the next memo('k') runs flaky again (once, for all three threads)."
            )

        return Plan(
            {"A": twice, "B": twice, "C": twice},
            verdict,
            advice="A failed computation must still wake every thread waiting for it — what they wait on must be set "
            "or notified when func raises too — and be forgotten before they are told, so the next call computes again.",
            error_advice="Only flaky's own BackendDown may come out of memo('k'): each thread that waited for the "
            "failed computation must get that exception, and the next call must compute again.",
        )

    return scenario

@scenario("test_explorer_finds_a_waiter_waits_for_its_own_key", finds=["woken_by_any_key"])
def a_waiter_waits_for_its_own_key():
    """Thread A calls memo('slow') (two seconds), thread B asks for 'slow' too, then thread C computes 'fast' meanwhile."""

    def scenario(module):
        def func(key):
            if key == "slow":
                explore.sleep(2)
            return f"{key} value"

        memo = module.Memoizer(func)

        def later(delay, key):
            def ask_later():
                explore.sleep(delay)  # by now func('slow') is running (and, for C, thread B waits for it)
                return memo(key)

            return ask_later

        def verdict(results, run):
            if results == {"A": "slow value", "B": "slow value", "C": "fast value"}:
                return None
            return (
                "Thread A called memo('slow'), where func('slow') takes two seconds; half a second later thread B called "
                "memo('slow') too and waited, and a second later thread C called memo('fast'), which returns at once. "
                f"Thread A got {results['A']!r}, thread B {results['B']!r}, thread C {results['C']!r}; expected 'slow "
                "value', 'slow value' and 'fast value'. If thread B returned early, it was woken when 'fast' finished "
                "and took the wakeup for its own key being done: after waking, check again (`while`, not `if`), or "
                "wait on something that belongs to that key alone."
            )

        return Plan({"A": lambda: memo("slow"), "B": later(0.5, "slow"), "C": later(1, "fast")}, verdict)

    return scenario

# Helpers of the checks above: this exercise's own story ---------------------------------------


class BackendDown(Exception):
    """What the checks' failing func raises."""


class GiveUp(BaseException):
    """What a check's func raises to stand for KeyboardInterrupt or SystemExit: a BaseException, not an Exception."""


def new_memoizer(exercise, func):
    """``Memoizer(func)``, bounded."""
    __tracebackhide__ = True
    return bounded(exercise.Memoizer, func, what=f"Memoizer({getattr(func, '__name__', 'func')})", advice=HANG_ADVICE)


def ask(exercise, memo, key):
    """``memo(key)``, bounded."""
    __tracebackhide__ = True
    return bounded(memo, key, what=f"memo({key!r})", advice=HANG_ADVICE)


@contextlib.contextmanager
def slow_key_computing(exercise):
    """``Memoizer(func)`` and ``memo('slow')`` running in a :class:`Call` whose func('slow') computes until the
    block ends (every other key returns at once); yields (memo, that call)."""
    __tracebackhide__ = True
    started, release = threading.Event(), threading.Event()
    # Taken by the thread asking for another key, while it asks: func('slow') waits for it, so a lock
    # that memo holds while func('slow') runs is seen at once as a wait no thread can end.
    hold, asking, freed = threading.Lock(), threading.Event(), []

    def func(key):
        if key == "slow":
            started.set()
            if asking.wait(3 * QUICK) and not release.is_set():
                with hold:  # until the other key's memo() has returned
                    pass
            release.wait(3 * QUICK)
        return f"{key} value"

    def meanwhile(key):
        """memo(key), asked while func('slow') computes; fails at once if it waits for a lock func('slow')'s thread holds."""
        __tracebackhide__ = True
        got = []

        def asked():
            try:
                with hold:
                    asking.set()
                    got.append(memo(key))
            except RuntimeError:
                if not freed:  # not the check's own release of hold below
                    raise
            return got[0]

        what = f"memo({key!r}), called while func('slow') was still computing,"
        call = Call(asked)
        if locked_out(call, slow, [exercise.__file__, __file__]):
            freed.append(hold.release())  # ends func('slow')'s wait for it; the check fails anyway
            fail(f"{what} waited for a lock that the thread running func('slow') holds: {SERIALIZED}")
        return call.result(what=what, advice=SERIALIZED)

    memo = new_memoizer(exercise, func)
    slow = Call(memo, "slow")
    try:
        if not started.wait(QUICK):
            slow.result(what="memo('slow')", advice=HANG_ADVICE, limit=0)
            fail("memo('slow') returned without ever calling func('slow').")
        yield memo, slow, meanwhile
    finally:
        release.set()
        asking.set()


def locked_out(call, holder, files, limit=QUICK):
    """True once two looks in a row find ``call``'s thread and ``holder``'s waiting for locks each other holds
    (see :func:`kata.harness.deadlocks.stuck_on_locks`); False once ``call`` has finished or ``limit`` has passed."""
    harness = str(Path(deadlocks.__file__).parent) + os.sep
    deadline, before = time.monotonic() + limit, None
    while not call.wait(0.02) and time.monotonic() < deadline:
        try:
            stuck = deadlocks.stuck_on_locks(set(files), {call.thread.ident, holder.thread.ident}, harness)
        except Exception:  # frames that moved meanwhile: nothing proved
            stuck = {}
        if call.thread.ident in stuck and stuck.keys() == (before or {}).keys():
            return True
        before = stuck
    return False
