"""Checks for exercise 09: BoundedBuffer is FIFO, bounded, blocks both ways, loses nothing and closes cleanly."""

import contextlib
import sys
import threading
import time
from collections import Counter as Tally

import pytest

from kata import explorer as explore
from kata.explorer import Plan
from kata.harness import (
    QUICK,
    SETTLE,
    Call,
    Outcome,
    bounded,
    expect,
    fail,
    forced_races,
    outcome,
    real_sleep,
    run_together,
    said,
    said_briefly,
    settle,
    spaced,
    wait_until,
    where_threads_wait,
)
from kata.harness.scenarios import scenario
from kata.harness.stepping import at_every_step

#: How many times the checks provoke a stolen wakeup (a few are enough; one shows the bug).
STEAL_TRIES = 5
WAIT_ADVICE = "Is a thread waiting on the Condition without anyone to wake it?"


# --- helpers (generic; candidates for support.py) ---------------------------------------


def size(exercise, buffer):
    __tracebackhide__ = True
    return bounded(len, buffer, what="len() of the buffer", advice=WAIT_ADVICE)


# --- the basics --------------------------------------------------------------------------


def test_items_come_out_in_the_order_they_went_in(exercise):
    buffer = exercise.BoundedBuffer(3)
    for item in ["a", "b", "c"]:
        bounded(buffer.put, item, what=f"put({item!r}) on a buffer with room", advice=WAIT_ADVICE)
    n = size(exercise, buffer)
    expect(n == 3, f"BoundedBuffer(3) after put('a'), put('b'), put('c'): len() is {n!r}, expected 3.")
    got = [bounded(buffer.get, what="get() on a buffer holding items", advice=WAIT_ADVICE) for _ in range(3)]
    expect(got == ["a", "b", "c"], f"After put('a'), put('b'), put('c'), three get() calls returned {got!r}, expected ['a', 'b', 'c'] (first in, first out).")
    n = size(exercise, buffer)
    expect(n == 0, f"After taking every item, len() is {n!r}, expected 0.")


#: What goes through the buffer in the check of values: None, falsy, unhashable and a repeated item are items like any other.
ODD_ITEMS = (None, 0, "", [], "twice", "twice")


def test_none_falsy_unhashable_and_repeated_items_come_out_as_they_went_in(exercise):
    # The items pass through a BoundedBuffer(2) one by one: two put, then a get before each further put,
    # then the last two taken. Each get must hand back exactly the item that went in, in order.
    buffer = exercise.BoundedBuffer(2)
    items = list(ODD_ITEMS)
    got = []
    for index, item in enumerate([*items, None, None]):
        if index >= 2:
            taken = outcome(buffer.get, timeout=0, what="get(timeout=0) on a buffer holding items", advice=WAIT_ADVICE, catch=(Exception,))
            expect(
                not taken.raised and taken.value == items[len(got)] and type(taken.value) is type(items[len(got)]),
                f"The items {', '.join(map(repr, items))} passed one by one through a BoundedBuffer(2) (two put, then a get "
                f"before each further put). After {', '.join(f'put({i!r})' for i in items[:min(index, len(items))])}, get() "
                f"number {len(got) + 1} {said_briefly(taken)}, expected {items[len(got)]!r}. None, 0, '' and [] are items like any other: tell an empty "
                "buffer by its length, not by the item you take (`if item is None`, `if not item`).",
            )
            got.append(taken.value)
        if index < len(items):
            bounded(buffer.put, item, what=f"put({item!r}) on a buffer with room", advice=WAIT_ADVICE)
    expect(got == items, f"Through a BoundedBuffer(2), put {items!r} came out as {got!r}, expected the same in the same order.")


def test_a_capacity_below_one_is_refused(exercise):
    for capacity in (0, -1):
        try:
            exercise.BoundedBuffer(capacity)
        except ValueError:
            continue
        fail(f"BoundedBuffer({capacity}) did not raise ValueError. A buffer that can hold no item would block every put forever.")


def queue_names(exercise):
    """The names in the learner's module that are the queue module or come from it, its exception classes aside."""
    return sorted(
        name
        for name, value in vars(exercise).items()
        if (getattr(value, "__name__", None) == "queue" or getattr(value, "__module__", None) in ("queue", "_queue", "multiprocessing.queues"))
        and not is_exception_class(value)
    )


@pytest.fixture
def explorer(explorer, exercise):
    """The race explorer, except on a module built on the queue module: the explorer cannot pause
    threads inside queue.Queue, so each of its checks would spend its whole budget waiting in real
    time; it fails at once instead, pointing at the check that says why."""

    def check(scenario, **options):
        __tracebackhide__ = True
        used = queue_names(exercise)
        if used:
            fail(
                f"Not explored: your module uses the queue module ({', '.join(used)}), whose waiting the race explorer "
                "cannot step through (test_it_is_built_on_a_condition_not_on_the_queue_module says what to do). "
                "Build the buffer on threading.Condition and this check explores it."
            )
        return explorer(scenario, **options)

    return check


def test_it_is_built_on_a_condition_not_on_the_queue_module(exercise):
    uses_queue = queue_names(exercise)
    expect(
        not uses_queue,
        f"Your module uses the queue module ({', '.join(uses_queue)}). This exercise is about building what queue.Queue "
        "does yourself: use threading.Condition. (Its exception classes are fine: `from queue import Empty, Full`.)",
    )
    with conditions_made(exercise) as made:
        buffer = exercise.BoundedBuffer(2)
    expect(
        made,
        "BoundedBuffer(2) made no threading.Condition. "
        "Waiting while full or empty is what a Condition is for: wait() until the state changes, notify when you change it.",
    )
    held = [value for value in vars(buffer).values() if type(value).__module__ in ("queue", "_queue")] if hasattr(buffer, "__dict__") else []
    expect(not held, "The buffer keeps a queue.Queue inside. Keep the items in a deque or a list and guard them with your Condition.")


def is_exception_class(value):
    return isinstance(value, type) and issubclass(value, BaseException)


@contextlib.contextmanager
def conditions_made(exercise):
    """The threading.Condition objects the learner's file makes while the block runs (a list filled in as they are made)."""
    made = []
    original = threading.Condition

    class SpyCondition(original):
        def __init__(self, *args, **kwargs):
            if sys._getframe(1).f_code.co_filename == exercise.__file__:
                made.append(self)
            super().__init__(*args, **kwargs)

    imported = getattr(exercise, "Condition", None) is original
    threading.Condition = SpyCondition
    if imported:
        exercise.Condition = SpyCondition
    try:
        yield made
    finally:
        threading.Condition = original
        if imported:
            exercise.Condition = original


# --- blocking ----------------------------------------------------------------------------


def test_put_waits_while_the_buffer_is_full(exercise):
    buffer = exercise.BoundedBuffer(2)
    bounded(buffer.put, "a", what="put('a') on an empty BoundedBuffer(2)", advice=WAIT_ADVICE)
    bounded(buffer.put, "b", what="put('b') on a BoundedBuffer(2) holding 1 item", advice=WAIT_ADVICE)
    putter = Call(buffer.put, "c")
    settle(putter)
    real_sleep(0.05)
    expect(
        not putter.done(),
        f"BoundedBuffer(2) holding 2 items: put('c') {said(putter)} at once (len() is now {size(exercise, buffer)}), "
        "but it should wait while the buffer is full. Wait on your Condition while there is no room.",
    )
    got = bounded(buffer.get, what="get() on a full buffer", advice=WAIT_ADVICE)
    expect(got == "a", f"get() on a buffer holding ['a', 'b'] returned {got!r}, expected 'a'.")
    putter.result(what="put('c'), waiting on a full buffer, after a get() made room,", advice="Does get() notify the Condition the putters wait on?")
    got = [bounded(buffer.get, what="get() on a buffer holding items", advice=WAIT_ADVICE) for _ in range(2)]
    expect(got == ["b", "c"], f"Then two get() calls returned {got!r}, expected ['b', 'c'].")


def test_get_waits_while_the_buffer_is_empty(exercise):
    buffer = exercise.BoundedBuffer(2)
    getter = Call(buffer.get)
    settle(getter)
    real_sleep(0.05)
    expect(not getter.done(), f"get() on an empty buffer {said(getter)} at once, but it should wait until an item arrives.")
    bounded(buffer.put, "x", what="put('x') while a get() waits", advice=WAIT_ADVICE)
    got = getter.result(what="get(), waiting on an empty buffer, after put('x'),", advice="Does put() notify the Condition the getters wait on?")
    expect(got == "x", f"get() waiting on an empty buffer returned {got!r} after put('x'), expected 'x'.")


# --- timeouts ----------------------------------------------------------------------------


def timed(func, *args, **kwargs):
    """Call func and return (its exception or None, seconds it took)."""
    started = time.monotonic()
    try:
        func(*args, **kwargs)
    except Exception as error:  # the check judges the exception
        return error, time.monotonic() - started
    return None, time.monotonic() - started


def check_timeout(call_text, call, timeout):
    """``call`` (a running ``Call(timed, …)``) raised TimeoutError after about ``timeout`` seconds, not sooner and not much later."""
    __tracebackhide__ = True
    error, seconds = call.result(
        what=f"{call_text}",
        advice=f"It should give up after about {timeout:g} s and raise TimeoutError. Pass the timeout to wait() or wait_for().",
        limit=QUICK + timeout,
    )
    expect(error is not None, f"{call_text} returned after {seconds:.2f} s instead of raising TimeoutError.")
    expect(
        isinstance(error, TimeoutError),
        f"{call_text} raised {type(error).__name__}: {error} after {seconds:.2f} s; expected the built-in TimeoutError.",
    )
    expect(
        seconds >= timeout * 0.8,
        f"{call_text} raised TimeoutError after {seconds:.2f} s: too early, it should wait about {timeout:g} s for a change first.",
    )


def test_timeouts_raise_TimeoutError_promptly(exercise):
    # The get on an empty buffer and the put on a full one (another buffer) wait out their timeouts side by side.
    empty = exercise.BoundedBuffer(1)
    full = exercise.BoundedBuffer(1)
    bounded(full.put, "a", what="put('a') on an empty BoundedBuffer(1)", advice=WAIT_ADVICE)
    getting = Call(timed, empty.get, timeout=0.2)
    putting = Call(timed, full.put, "b", timeout=0.2)
    check_timeout("get(timeout=0.2) on an empty buffer", getting, timeout=0.2)
    check_timeout("put('b', timeout=0.2) on a full buffer", putting, timeout=0.2)
    n = size(exercise, full)
    expect(n == 1, f"After put('b', timeout=0.2) timed out on a full BoundedBuffer(1), len() is {n}, expected 1.")


def test_a_get_with_a_timeout_returns_as_soon_as_an_item_arrives(exercise):
    buffer = exercise.BoundedBuffer(1)
    getter = Call(timed, buffer.get, timeout=5)
    settle(getter)
    put_at = time.monotonic()
    bounded(buffer.put, "x", what="put('x') while a get(timeout=5) waits", advice=WAIT_ADVICE)
    getter.result(what="get(timeout=5), after put('x'),", advice="A timeout is the longest to wait, not how long to sleep.")
    late = time.monotonic() - put_at
    expect(
        late < 1.0,
        f"get(timeout=5) returned {late:.2f} s after put('x'); it should return as soon as the item arrives. Wait on the Condition, not with sleep().",
    )


#: How long a timed call is given in the checks that wake it again and again, and how often it is woken.
NUDGED_TIMEOUT = 0.3
NUDGE_EVERY = 0.05
#: How long the nudging goes on (a little less than the timeout): a call that waits the whole timeout
#: again after a wakeup overshoots by nearly that much; one that keeps its deadline does not.
NUDGING = 0.8 * NUDGED_TIMEOUT
#: How far past its timeout a nudged call may return (a call that restarts overshoots by at least 0.24 s).
OVERSHOOT = 0.15
#: How long the put that waits for room beside a waiting get is given; it should be woken at once.
ROOM_TIMEOUT = 1.0


def test_a_timeout_is_one_deadline_however_often_the_call_is_woken(exercise):
    # Another thread wakes every waiter of the buffer's Conditions (notify_all, changing nothing)
    # every 0.05 s for 0.24 s. A timeout is the longest the call may wait in all: each wakeup must
    # go back to waiting for what is left of it, not for the whole timeout again.
    with conditions_made(exercise) as made:
        empty = exercise.BoundedBuffer(1)
        full = exercise.BoundedBuffer(1)
    bounded(full.put, "x", what="put('x') on an empty BoundedBuffer(1)", advice=WAIT_ADVICE)
    t = NUDGED_TIMEOUT
    stop = threading.Event()
    nudger = threading.Thread(target=nudge, args=(made, stop), name="kata-nudger", daemon=True)
    calls = [
        (f"get(timeout={t:g}) on an empty buffer", Call(timed, empty.get, timeout=t)),
        (f"put('y', timeout={t:g}) on a full buffer", Call(timed, full.put, "y", timeout=t)),
    ]
    nudger.start()
    try:
        timings = [call.result(what=f"{text}, woken every {NUDGE_EVERY:g} s,", advice=WAIT_ADVICE, limit=QUICK + t) for text, call in calls]
    finally:
        stop.set()
        nudger.join(QUICK)
    for (text, _), (error, seconds) in zip(calls, timings):
        expect(
            isinstance(error, TimeoutError) and seconds < t + OVERSHOOT,
            f"{text}, while another thread called notify_all() on the buffer's Condition every {NUDGE_EVERY:g} s for the first "
            f"{NUDGING:.2f} s, without changing anything: it {'returned' if error is None else f'raised {type(error).__name__}'} after {seconds:.2f} s; "
            f"expected TimeoutError after about {t:g} s. A timeout is one deadline for the whole call: after each wakeup wait "
            "only for what is left of it (compute a deadline once, or use wait_for, which does).",
        )


def nudge(conditions, stop):
    """Wake every waiter of ``conditions`` every NUDGE_EVERY seconds until ``stop`` is set (NUDGING seconds at most)."""
    deadline = time.monotonic() + NUDGING
    while not stop.wait(NUDGE_EVERY) and time.monotonic() < deadline:
        for condition in conditions:
            with condition:
                condition.notify_all()


# --- stolen wakeups ----------------------------------------------------------------------


def test_a_woken_get_that_finds_the_buffer_empty_waits_again(exercise):
    # A getter waits on an empty buffer. This thread puts one item and at once takes it
    # itself, before the woken getter gets the lock back: the getter wakes up to an empty
    # buffer and must go back to waiting.
    interval = sys.getswitchinterval()
    for _ in range(STEAL_TRIES):
        buffer = exercise.BoundedBuffer(2)
        getter = Call(buffer.get)
        asleep = settle(getter)
        expect(not getter.done(), f"get() on an empty buffer {said(getter)} at once, but it should wait until an item arrives.")

        def barge():
            sys.setswitchinterval(0.1)  # keep this thread running from its put to its own get
            try:
                buffer.put("stolen")
                try:
                    return buffer.get(timeout=0.05)
                except TimeoutError:
                    return None  # the waiting getter was quicker this time; try again
            finally:
                sys.setswitchinterval(interval)

        stolen = bounded(barge, what="put('stolen') then get(timeout=0.05) while another get() waits", advice=WAIT_ADVICE)
        if stolen is None:
            getter.result(what="get()")
            continue
        settle(getter, limit=1.0, previous=asleep)
        expect(
            not getter.done(),
            f"A get() waited on an empty buffer; another thread did put('stolen') and at once took the item "
            f"with its own get(). The waiting get() was woken, found the buffer empty again, and {said(getter)} "
            "— it should have gone back to waiting. Check the condition again after every wakeup: "
            "`while` around wait(), not `if` (or use wait_for).",
        )
        bounded(buffer.put, "next", what="put('next') while a get() waits", advice=WAIT_ADVICE)
        got = getter.result(what="get(), waiting again after its item was taken, then put('next'),", advice=WAIT_ADVICE)
        expect(got == "next", f"The waiting get() returned {got!r} after put('next'), expected 'next'.")


def test_a_woken_put_that_finds_the_buffer_full_waits_again(exercise):
    # The same on the other side: a putter waits on a full buffer; this thread takes an item
    # and at once puts one of its own into the free slot before the woken putter gets there.
    interval = sys.getswitchinterval()
    for _ in range(STEAL_TRIES):
        buffer = exercise.BoundedBuffer(1)
        bounded(buffer.put, "old", what="put('old') on an empty BoundedBuffer(1)", advice=WAIT_ADVICE)
        putter = Call(buffer.put, "waiting")
        asleep = settle(putter)
        expect(not putter.done(), f"BoundedBuffer(1) holding 1 item: put('waiting') {said(putter)} at once, but it should wait while the buffer is full.")

        def barge():
            sys.setswitchinterval(0.1)  # keep this thread running from its get to its own put
            try:
                buffer.get()
                try:
                    buffer.put("barging", timeout=0.05)
                    return True
                except TimeoutError:
                    return False  # the waiting putter was quicker this time; try again
            finally:
                sys.setswitchinterval(interval)

        barged = bounded(barge, what="get() then put('barging', timeout=0.05) while a put() waits", advice=WAIT_ADVICE)
        if not barged:
            putter.result(what="put('waiting')")
            continue
        settle(putter, limit=1.0, previous=asleep)
        expect(
            not putter.done(),
            f"BoundedBuffer(1): a put('waiting') waited on the full buffer; another thread did get() and at once "
            f"put('barging') into the free slot. The waiting put() was woken, found the buffer full again, and "
            f"{said(putter)} — now len() is {size(exercise, buffer)}, over the capacity of 1. Check the condition again "
            "after every wakeup: `while` around wait(), not `if` (or use wait_for).",
        )
        got = bounded(buffer.get, what="get() on a full buffer", advice=WAIT_ADVICE)
        expect(got == "barging", f"get() returned {got!r}, expected 'barging'.")
        putter.result(what="put('waiting'), after get() made room again,", advice=WAIT_ADVICE)


def test_a_put_waiting_for_room_is_woken_while_a_get_waits_too(exercise):
    # Two get() calls wait on an empty BoundedBuffer(1). This thread puts 'a' and at once
    # put('b', timeout=0.5), which finds the buffer still full (the woken get has not taken 'a'
    # yet) and waits. Now a get and a put both wait; when the first get takes 'a', the put must be
    # woken: that wakeup must not go to the other get alone, which would find the buffer empty and wait again.
    interval = sys.getswitchinterval()
    for _ in range(STEAL_TRIES):
        buffer = exercise.BoundedBuffer(1)
        getters = []
        for _ in range(2):
            getters.append(Call(buffer.get, timeout=QUICK))
            settle(getters[-1])
        expect(
            not any(g.done() for g in getters),
            f"get() on an empty buffer {said(getters[0] if getters[0].done() else getters[1])} at once, but it should wait until an item arrives.",
        )

        def barge():
            sys.setswitchinterval(0.1)  # keep this thread running from put('a') into put('b')
            try:
                buffer.put("a")
                return timed(buffer.put, "b", timeout=ROOM_TIMEOUT)
            finally:
                sys.setswitchinterval(interval)

        error, seconds = bounded(
            barge,
            what=f"put('a') then put('b', timeout={ROOM_TIMEOUT:g}) while two get() calls wait",
            advice=WAIT_ADVICE,
            limit=QUICK + ROOM_TIMEOUT,
        )
        waiting = sum(not g.done() for g in getters)
        if waiting == 2 or error is not None:
            bounded(buffer.put, "c", what="put('c') to let the last get() go", advice=WAIT_ADVICE)
        got = sorted(repr(g.result(what="get(), after its item arrived,", advice=WAIT_ADVICE)) for g in getters)
        expect(
            error is None and seconds < SETTLE,
            f"Two get() calls waited on an empty BoundedBuffer(1); another thread did put('a') and at once put('b', "
            f"timeout={ROOM_TIMEOUT:g}), which found the buffer still full and waited. A get() took 'a' at once, yet put('b') "
            + (f"raised {type(error).__name__}" if error is not None else "returned")
            + f" only after {seconds:.2f} s: the wakeup sent when 'a' was taken went to the other waiting get(), which "
            "found the buffer empty and waited again, and the waiting put() was never woken. With one Condition for "
            "both sides, use notify_all(); or give putters and getters a Condition each.",
        )
        expect(got[0] == "'a'", f"The two get() calls returned {', '.join(got)}, expected 'a' first.")


def test_two_calls_racing_for_the_last_slot_or_the_last_item_never_both_win(exercise):
    # put('b', timeout=0) is stopped before each of its steps in turn while put('c', timeout=0)
    # runs, on a BoundedBuffer(2) holding 'a': one slot, two takers. Then the same for two
    # get(timeout=0) calls and one item. Exactly one of each pair may win; the other finds no room
    # (or no item) and raises TimeoutError at once.
    def puts():
        buffer = exercise.BoundedBuffer(2)
        buffer.put("a")
        made.append(buffer)
        return (lambda: buffer.put("b", timeout=0)), (lambda: buffer.put("c", timeout=0))

    def gets():
        buffer = exercise.BoundedBuffer(2)
        buffer.put("a")
        made.append(buffer)
        return (lambda: buffer.get(timeout=0)), (lambda: buffer.get(timeout=0))

    for pair, scene in [(puts, "put('b', timeout=0) and put('c', timeout=0) on a BoundedBuffer(2) holding 'a'"),
                        (gets, "two get(timeout=0) calls on a BoundedBuffer(2) holding only 'a'")]:
        made = []
        for meeting in at_every_step(exercise.__file__, pair):
            got = [
                call.outcome(what=f"{scene}, one stopped at line {meeting.line} while the other ran,", advice=WAIT_ADVICE, catch=(Exception,))
                for call in (meeting.first, meeting.second)
            ]
            won = [g for g in got if not g.raised]
            lost = [g for g in got if g.raised]
            if any(not isinstance(g.error, TimeoutError) for g in lost):
                raise next(g.error for g in lost if not isinstance(g.error, TimeoutError))
            n = size(exercise, made[-1])
            expect(
                len(won) == 1,
                f"{scene}, the first stopped at line {meeting.line} of your file while the second ran: "
                + ("both went in, and len() is now " + str(n) + ", over the capacity of 2" if pair is puts and len(won) == 2 else
                   f"both returned ({', '.join(repr(g.value) for g in won)}) from one item" if len(won) == 2 else "neither succeeded")
                + ". Check for room (or an item) and act on it in one step, without letting go of the lock in between.",
            )


def test_two_items_put_at_once_reach_both_waiting_gets(exercise):
    # Two get() calls wait on an empty BoundedBuffer(2); this thread puts 'a' and 'b' straight
    # after each other, before either woken get runs. Both items are there, so both gets must
    # return: whatever wakes one get must not leave the other waiting beside an item.
    interval = sys.getswitchinterval()
    buffer = exercise.BoundedBuffer(2)
    getters = []
    for _ in range(2):
        getters.append(Call(buffer.get, timeout=QUICK))
        settle(getters[-1])

    def barge():
        sys.setswitchinterval(0.1)  # keep this thread running from put('a') into put('b')
        try:
            buffer.put("a")
            buffer.put("b")
        finally:
            sys.setswitchinterval(interval)

    bounded(barge, what="put('a') then put('b') while two get() calls wait", advice=WAIT_ADVICE)
    wait_until(lambda: all(g.done() for g in getters), SETTLE)
    waiting = sum(not g.done() for g in getters)
    expect(
        not waiting,
        f"Two get() calls waited on an empty BoundedBuffer(2); another thread put 'a' and at once 'b'. {SETTLE:g} s later "
        f"{still_waiting(waiting)} (len() is {size(exercise, buffer)}): an item was there, but nothing woke it. Wake a getter for "
        "every item put (or notify_all), or have a woken get pass the turn on while items remain.",
    )
    got = sorted(g.result(what="get()", advice=WAIT_ADVICE) for g in getters)
    expect(got == ["a", "b"], f"The two waiting get() calls returned {got!r}, expected 'a' and 'b'.")


def test_two_puts_at_once_wake_both_waiting_gets_however_they_interleave(exercise):
    # Two get() calls wait on an empty BoundedBuffer(2); put('a') is stopped before each of its
    # steps in turn while put('b') runs in another thread. Two items arrive and two gets wait:
    # however the puts interleave, each get must be woken and take one. (Two puts that both add
    # their item before either looks at the count can each think the other one woke the getters.)
    getters = []

    def pair():
        buffer = exercise.BoundedBuffer(2)
        getters[:] = [Call(buffer.get, timeout=QUICK) for _ in range(2)]
        for getter in getters:
            settle(getter)
        made.append(buffer)
        return (lambda: buffer.put("a")), (lambda: buffer.put("b"))

    made = []
    try:
        for meeting in at_every_step(exercise.__file__, pair):
            scene = (
                f"Two get() calls waited on an empty BoundedBuffer(2); put('a') was stopped at line {meeting.line} of your file "
                "while put('b') ran in another thread"
            )
            for call, text in ((meeting.first, "put('a')"), (meeting.second, "put('b')")):
                call.result(what=f"{text}, while the other put() ran, with room for both,", advice=WAIT_ADVICE)
            wait_until(lambda: all(g.done() for g in getters), SETTLE)
            waiting = sum(not g.done() for g in getters)
            expect(
                not waiting,
                f"{scene}. Both puts returned, yet {SETTLE:g} s later {still_waiting(waiting)} (len() is "
                f"{size(exercise, made[-1])}): an item was there, but nothing woke it. Decide whom to wake from what you "
                "see in the same locked step as the change (or notify for every item put), and have a woken get pass the "
                "turn on while items remain.",
            )
            got = sorted(repr(g.result(what="get(), after both puts,", advice=WAIT_ADVICE)) for g in getters)
            expect(got == ["'a'", "'b'"], f"{scene}: the two waiting get() calls returned {', '.join(got)}, expected 'a' and 'b'.")
    finally:
        # The last step ends with put('a') alone (put('b') never ran), so one get() may still wait out
        # its timeout: close every buffer made, so no get() outlives the check.
        for buffer in made:
            Call(buffer.close)


def still_waiting(waiting):
    """'one of the two get() calls was still waiting', or 'both … were'."""
    return "both get() calls were still waiting" if waiting == 2 else "one of the two get() calls was still waiting"


# --- many threads ------------------------------------------------------------------------


PRODUCERS = CONSUMERS = 3
PER_PRODUCER = 150
CAPACITY = 4
#: How long a producer or consumer waits for room or an item before it reports a problem.
BUFFER_PATIENCE = QUICK
#: How long the buffer may hold items while get() calls wait and none returns, before the check says
#: so: the solution's gets return within milliseconds of each other, even under forced switches.
STALLED = QUICK / 4


def test_every_item_is_delivered_exactly_once_with_many_producers_and_consumers(exercise):
    # Once one call has failed (an item lost, a wakeup lost), the story is told: the other threads
    # stop at their next call, and close() wakes those still waiting, rather than each waiting out
    # its own timeout in turn.
    per_consumer = PRODUCERS * PER_PRODUCER // CONSUMERS
    problems = []
    biggest = [0]
    stop = threading.Event()
    given_up = threading.Event()
    put_in = []
    getting = [False] * CONSUMERS
    last_get = [time.monotonic()]
    stalled = []

    def give_up(problem):
        if not given_up.is_set():
            given_up.set()
            problems.append(problem)
            with contextlib.suppress(Exception):
                buffer.close()  # wakes the threads still waiting (a close() that does not is waited out)

    def produce(p):
        def work():
            for k in range(PER_PRODUCER):
                if given_up.is_set():
                    return
                try:
                    buffer.put((p, k), timeout=BUFFER_PATIENCE)
                except Exception as error:
                    give_up(f"put({(p, k)!r}, timeout={BUFFER_PATIENCE:g}) raised {type(error).__name__}: {error}")
                    return
                put_in.append((p, k))

        return work

    def consume(index):
        def work():
            taken = []
            for _ in range(per_consumer):
                if given_up.is_set():
                    break
                getting[index] = True
                try:
                    taken.append(buffer.get(timeout=BUFFER_PATIENCE))
                except Exception as error:
                    give_up(f"get(timeout={BUFFER_PATIENCE:g}) raised {type(error).__name__}: {error}")
                    break
                finally:
                    getting[index] = False
                last_get[0] = time.monotonic()
            return taken

        return work

    def watch():
        while not stop.is_set():
            n = len(buffer)
            biggest[0] = max(biggest[0], n)
            waiting = sum(getting)
            if n and waiting and time.monotonic() - last_get[0] > STALLED:
                stalled.append(n)
                give_up(
                    f"for {STALLED:g} s the buffer held {n} item(s) while {waiting} get(timeout={BUFFER_PATIENCE:g}) "
                    "call(s) waited, and none of them returned"
                )
                return
            real_sleep(0)

    with forced_races(exercise):
        buffer = exercise.BoundedBuffer(CAPACITY)
        watcher = threading.Thread(target=watch, name="kata-watcher", daemon=True)
        watcher.start()
        try:
            results = run_together(
                [produce(p) for p in range(PRODUCERS)] + [consume(c) for c in range(CONSUMERS)],
                limit=10,
                what="The producer and consumer threads",
                advice=WAIT_ADVICE,
            )
        finally:
            stop.set()
            watcher.join(QUICK)
    taken = [item for items in results[PRODUCERS:] for item in items]
    tally = Tally(taken)
    twice = sorted(item for item, n in tally.items() if n > 1)
    never = sorted(set(put_in) - set(tally))
    scene = (
        f"{PRODUCERS} producers each put {PER_PRODUCER} distinct items into a BoundedBuffer({CAPACITY}) while "
        f"{CONSUMERS} consumers each took {per_consumer}"
    )
    also = f" (and {problems[0]})" if problems else ""
    expect(
        not twice,
        f"{scene}: {spaced(len(twice))} items came out more than once (e.g. {twice[:3]}) and "
        f"{spaced(len(never))} never came out (e.g. {never[:3]}){also}. Two consumers took the same item: "
        "look at the oldest item and remove it in one step, under the lock.",
    )
    if problems and stalled:
        fail(
            f"{scene}: {problems[0]} (the check stopped there). An item was there, but nothing woke a waiting get(). "
            "Decide whom to wake from what you see in the same locked step as the change (or notify for every item "
            "put), and have a woken get pass the turn on while items remain."
        )
    if problems:
        fail(
            f"{scene}: {problems[0]}" + (f", and {spaced(len(never))} of the items put never came out" if never else "")
            + ". With as many items put as "
            "taken, every call should succeed. Does a thread that wakes up check again that it can go on "
            "(`while`, not `if`)?"
        )
    expect(not never, f"{scene}: {spaced(len(never))} items never came out (e.g. {never[:3]}), though every get() returned one.")
    for index, items in enumerate(results[PRODUCERS:]):
        for p in range(PRODUCERS):
            order = [k for q, k in items if q == p]
            expect(
                order == sorted(order),
                f"{scene}: consumer {index} got producer {p}'s items in the order {order[:8]}…; a FIFO buffer hands them out in the order they were put.",
            )
    expect(
        biggest[0] <= CAPACITY,
        f"{scene}: len() reached {biggest[0]}, over the capacity of {CAPACITY}. A put() must wait while the buffer is full.",
    )


# --- closing -----------------------------------------------------------------------------


def test_close_wakes_every_waiting_thread_at_once(exercise):
    empty = exercise.BoundedBuffer(1)
    full = exercise.BoundedBuffer(1)
    bounded(full.put, "x", what="put('x') on an empty BoundedBuffer(1)", advice=WAIT_ADVICE)
    calls = [("get() on an empty buffer", Call(empty.get)) for _ in range(3)]
    calls += [(f"put({i}) on a full buffer", Call(full.put, i)) for i in range(3)]
    for _text, call in calls:
        settle(call)
    real_sleep(0.05)
    for text, call in calls:
        expect(not call.done(), f"{text} {said(call)} at once, but it should wait.")
    bounded(empty.close, what="close() on an empty buffer with 3 getters waiting")
    bounded(full.close, what="close() on a full buffer with 3 putters waiting")
    deadline = time.monotonic() + 1.0
    for _text, call in calls:
        call.wait(max(0.0, deadline - time.monotonic()))
    waiting = [text for text, call in calls if not call.done()]
    expect(
        not waiting,
        f"3 threads waited in get() on one buffer and 3 in put() on another; both buffers were closed, but "
        f"{len(waiting)} of the 6 threads were still waiting 1 s later ({', '.join(waiting)}). close() must wake "
        "every waiter (notify_all), not just one: each woken thread raises Closed and wakes nobody else.\n"
        "Where the threads are:\n" + where_threads_wait([exercise.__file__]),
    )
    for text, call in calls:
        expect(isinstance(call.error, exercise.Closed), f"{text}, woken by close(), {said(call)}; expected it to raise Closed.")


def test_a_closed_buffer_refuses_put_and_drains_before_get_raises_closed(exercise):
    buffer = exercise.BoundedBuffer(3)
    bounded(buffer.put, 1, what="put(1) on an empty BoundedBuffer(3)", advice=WAIT_ADVICE)
    bounded(buffer.put, 2, what="put(2) on a BoundedBuffer(3) holding 1 item", advice=WAIT_ADVICE)
    bounded(buffer.close, what="close()")
    bounded(buffer.close, what="close() a second time")
    try:
        bounded(buffer.put, 3, what="put(3) on a closed buffer", advice="It should raise Closed at once.")
    except exercise.Closed:
        pass
    else:
        fail("put(3) on a closed buffer returned normally; it should raise Closed.")
    got = [bounded(buffer.get, what="get() on a closed buffer that still holds items") for _ in range(2)]
    expect(got == [1, 2], f"put(1), put(2), close(), then two get() calls returned {got!r}, expected [1, 2]: a closed buffer still hands out what it holds.")
    for text, kwargs in [("get()", {}), ("get(timeout=5)", {"timeout": 5})]:
        try:
            value = bounded(
                lambda: buffer.get(**kwargs),
                limit=1.0,
                what=f"{text} on a closed, empty buffer",
                advice="It should raise Closed at once: nothing will ever arrive.",
            )
        except exercise.Closed:
            continue
        fail(f"{text} on a closed, empty buffer returned {value!r}; it should raise Closed.")
    n = size(exercise, buffer)
    expect(n == 0, f"After draining the closed buffer, len() is {n}, expected 0.")


# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly. Time
# is the explorer's virtual clock: a thread that pauses a second lets the others run until they
# all wait, and a timeout costs nothing.
#
# Left to the real-thread checks: wrapped_queue (built on queue.Queue, which behaves; the checks that look
# for a Condition find it).


def attempt(func, *args, **kwargs):
    """What a buffer call did: its value, or the Closed or TimeoutError it raised (any other error propagates)."""
    got = Outcome.of(func, *args, **kwargs)
    if got.raised and not isinstance(got.error, TimeoutError) and type(got.error).__name__ != "Closed":
        raise got.error
    return got


def told_put(outcome):
    return "went in" if not outcome.raised else said_briefly(outcome)


def closed(module, outcome):
    return outcome.raised and isinstance(outcome.error, module.Closed)


def timed_out(outcome):
    return outcome.raised and isinstance(outcome.error, TimeoutError)


def over_capacity(sizes, capacity):
    return max(sizes, default=0) > capacity


EMPTY_ADVICE = (
    "A get() went on to take an item that was not there: look at the oldest item and remove it in one step, "
    "under the lock, and after every wakeup check again that an item is there (`while` around wait(), not "
    "`if`, or wait_for)."
)


@scenario("test_explorer_finds_no_item_taken_twice", finds=["peek_then_pop"])
def two_consumers_take_two_items():
    """A BoundedBuffer(2) holds 1 and 2; threads A and B each call get() once."""

    def scenario(module):
        buffer = module.BoundedBuffer(2)
        buffer.put(1)
        buffer.put(2)

        def verdict(results, run):
            got = sorted([results["A"], results["B"]], key=repr)
            if got == [1, 2]:
                return None
            twice = results["A"] if results["A"] == results["B"] else None
            return (
                f"A BoundedBuffer(2) held 1 and 2, and threads A and B each called get(): thread A got {results['A']!r}, "
                f"thread B got {results['B']!r}, expected 1 and 2 between them"
                + (f" — both took {twice!r}, and the other item was lost" if twice is not None else "")
                + ". Look at the oldest item and remove it in one step, under the lock."
            )

        return Plan({"A": buffer.get, "B": buffer.get}, verdict, error_advice=EMPTY_ADVICE)

    return scenario


ITEMS = (1, 2, 3, 4)


@scenario("test_explorer_finds_every_item_delivered_exactly_once", finds=["close_discards_items", "if_instead_of_while"])
def one_producer_two_consumers():
    """Thread P puts 1, 2, 3, 4 into a BoundedBuffer(2) and closes it; threads A and B get until Closed."""

    def scenario(module):
        buffer = module.BoundedBuffer(2)
        sizes = []  # len(buffer) right after each put

        def produce():
            for item in ITEMS:
                buffer.put(item)
                sizes.append(len(buffer))
            buffer.close()

        def consume():
            taken = []
            while True:
                outcome = attempt(buffer.get)
                if outcome.raised:
                    return taken, outcome
                taken.append(outcome.value)

        def verdict(results, run):
            (a, a_end), (b, b_end) = results["A"], results["B"]
            taken = sorted(a + b)
            twice = sorted({item for item in taken if taken.count(item) > 1})
            never = [item for item in ITEMS if item not in taken]
            scene = (
                f"Thread P put 1, 2, 3 and 4 into a BoundedBuffer(2), then closed it, while threads A and B each called "
                f"get() until it raised: thread A got {a}, thread B got {b}"
            )
            if twice:
                return (
                    f"{scene} — {', '.join(map(str, twice))} came out twice"
                    + (f" and {', '.join(map(str, never))} never" if never else "")
                    + ". Two consumers took the same item: look at the oldest item and remove it in one step, under the lock."
                )
            if never:
                return (
                    f"{scene} — {', '.join(map(str, never))} never came out. Every item put must come out once: "
                    "after close(), get() hands out what the buffer still holds and raises Closed only when it is empty."
                )
            if over_capacity(sizes, 2):
                return (
                    f"{scene}; right after its puts thread P saw len() = {sizes}, over the capacity of 2. A put() must "
                    "wait while the buffer is full, and check again after every wakeup."
                )
            if a != sorted(a) or b != sorted(b):
                return f"{scene}: a FIFO buffer hands each consumer the items in the order they were put."
            if not (closed(module, a_end) and closed(module, b_end)):
                return f"{scene}; then thread A's last get() {said_briefly(a_end)} and thread B's {said_briefly(b_end)}, expected Closed for both."
            return None

        return Plan(
            {"P": produce, "A": consume, "B": consume},
            verdict,
            advice=lambda run: close_woke(run) if "P" not in run.waiting else "",  # P closed the buffer before they were left waiting
            error_advice=EMPTY_ADVICE,
        )

    return scenario


@scenario("test_explorer_finds_a_woken_get_waits_again", finds=[])
def a_woken_get_that_finds_the_buffer_empty_waits_again():
    """Thread A calls get() on an empty buffer; thread B puts 'x', at once takes it back, then puts 'y'."""

    def scenario(module):
        buffer = module.BoundedBuffer(2)

        def barge():
            explore.sleep(1)  # thread A is waiting by now
            buffer.put("x")
            stolen = attempt(buffer.get, timeout=1)
            explore.sleep(1)  # thread A runs: woken, it finds the buffer empty again
            buffer.put("y")
            return stolen

        def verdict(results, run):
            got, stolen = results["A"], results["B"]
            expected = "y" if stolen == Outcome("x") else "x"
            if got == Outcome(expected):
                return None
            return (
                f"Thread A called get() on an empty BoundedBuffer(2); thread B put 'x', at once called get(timeout=1) "
                f"itself, which {said_briefly(stolen)}, and a second later put 'y'. Thread A's get() {said_briefly(got)}, expected {expected!r}. "
                "A woken get() that finds the buffer empty must wait again."
            )

        return Plan(
            {"A": lambda: attempt(buffer.get), "B": barge},
            verdict,
            advice="When wait() returns, another thread may already have taken the item: check again that the buffer "
            "holds one (`while` around wait(), not `if`, or wait_for), and take it in the same locked step as that check. "
            "(And thread B's get(timeout=1) must give up after 1 s.)",
        )

    return scenario


@scenario("test_explorer_finds_a_woken_put_waits_again", finds=[])
def a_woken_put_that_finds_the_buffer_full_waits_again():
    """BoundedBuffer(1) holding 'old': thread A puts 'waiting'; thread B takes 'old', puts 'barging', then takes two."""

    def scenario(module):
        buffer = module.BoundedBuffer(1)
        buffer.put("old")
        sizes = []

        def put_and_look():
            buffer.put("waiting")
            sizes.append(len(buffer))

        def barge():
            explore.sleep(1)  # thread A is waiting by now
            got = [buffer.get()]
            barged = attempt(buffer.put, "barging", timeout=0.5)
            explore.sleep(1)
            got += [attempt(buffer.get, timeout=1) for _ in range(2)]
            return got, barged

        def verdict(results, run):
            got, barged = results["B"]
            came_out = sorted([got[0]] + [outcome.value for outcome in got[1:] if not outcome.raised])
            went_in = sorted(["old", "waiting"] + (["barging"] if not barged.raised else []))
            scene = (
                "A BoundedBuffer(1) held 'old'. Thread A called put('waiting'); thread B took an item with get(), at once "
                f"called put('barging', timeout=0.5), which {told_put(barged)}, and later took two more with get(timeout=1)"
            )
            if over_capacity(sizes, 1):
                pauses = [i for i in run.steps_noting("sleeps") if run.trace[i].thread == "B"]
                own = [i for i, step in enumerate(run.trace) if step.thread == "A"]
                if len(pauses) >= 2 and own:
                    run.focus, run.end = pauses[1], own[-1]  # from thread B's pause after barging in to thread A's len()
                return (
                    f"{scene}. Right after its put() returned, thread A saw len() = {sizes[0]}, over the capacity of 1: "
                    "its put() was woken, found the buffer full again and added the item anyway. Check again after "
                    "every wakeup that there is room (`while` around wait(), not `if`, or wait_for)."
                )
            if came_out != went_in:
                return f"{scene}: what came out was {came_out}, but what went in was {went_in}."
            return None

        return Plan(
            {"A": put_and_look, "B": barge},
            verdict,
            advice="When wait() returns, another thread may already have filled the free slot: check again that there is "
            "room (`while` around wait(), not `if`, or wait_for). (And thread B's calls with a timeout must give up when "
            "it runs out.)",
        )

    return scenario


@scenario("test_explorer_finds_a_put_waiting_for_room_is_woken_beside_a_waiting_get", finds=["one_condition_notify"])
def a_put_waiting_for_room_is_woken_beside_a_waiting_get():
    """Threads A and B call get(timeout=5) on an empty BoundedBuffer(1); thread P puts 'a', then put('b', timeout=3); thread C pauses 2 s."""

    def scenario(module):
        buffer = module.BoundedBuffer(1)
        log = []

        def produce():
            explore.sleep(1)  # threads A and B are waiting by now
            buffer.put("a")
            put = attempt(buffer.put, "b", timeout=3)
            log.append("P")
            return put

        def pause():
            explore.sleep(2)
            log.append("C")

        def verdict(results, run):
            if log[:1] == ["P"] and not results["P"].raised:
                return None
            return (
                "Threads A and B called get(timeout=5) on an empty BoundedBuffer(1); thread P put 'a' and then put('b', timeout=3), "
                f"which found the buffer still full and waited. A get() took 'a', yet thread P's put('b') {told_put(results['P'])} only "
                "after thread C's 2-second pause had ended: the wakeup sent when 'a' was taken went to the other waiting get(), "
                "which found the buffer empty and waited again, and the waiting put() was not woken."
            )

        return Plan(
            {"A": lambda: attempt(buffer.get, timeout=5), "B": lambda: attempt(buffer.get, timeout=5), "P": produce, "C": pause},
            verdict,
            advice="A notify() wakes one waiter, of either kind when putters and getters share a Condition: use notify_all() "
            "there, or give putters and getters a Condition each.",
        )

    return scenario


def close_woke(run):
    """What a deadlock after close() says, by what the trace shows the notifies woke."""
    waiting = " and ".join(f"thread {name}" for name in run.waiting) or "A thread"
    return (
        f"{waiting[0].upper()}{waiting[1:]} still {'waits' if len(run.waiting) < 2 else 'wait'} for a notify that will not "
        f"come (the run's notifies woke {sum(run.notified())} waiting thread(s) in all): close() must wake every thread "
        "still waiting (notify_all); each woken thread raises Closed and wakes nobody else."
    )


@scenario("test_explorer_finds_close_wakes_every_waiting_get", finds=["notify_in_close"])
def close_wakes_every_waiting_get():
    """Threads A and B call get() on an empty buffer; a second later thread C closes it."""

    def scenario(module):
        buffer = module.BoundedBuffer(1)

        def close():
            explore.sleep(1)  # threads A and B are waiting by now
            buffer.close()

        def verdict(results, run):
            if closed(module, results["A"]) and closed(module, results["B"]):
                return None
            return (
                f"Threads A and B called get() on an empty buffer, and thread C closed it: thread A's get() "
                f"{said_briefly(results['A'])} and thread B's {said_briefly(results['B'])}, expected Closed for both."
            )

        return Plan(
            {"A": lambda: attempt(buffer.get), "B": lambda: attempt(buffer.get), "C": close},
            verdict,
            advice=close_woke,
        )

    return scenario


@scenario("test_explorer_finds_close_wakes_every_waiting_put", finds=["put_never_blocks"])
def close_wakes_every_waiting_put():
    """BoundedBuffer(1) holding 'old': threads A and B call put(); a second later thread C closes it."""

    def scenario(module):
        buffer = module.BoundedBuffer(1)
        buffer.put("old")

        def close():
            explore.sleep(1)  # threads A and B are waiting by now
            buffer.close()

        def verdict(results, run):
            if closed(module, results["A"]) and closed(module, results["B"]):
                return None
            return (
                f"A BoundedBuffer(1) held 'old'; threads A and B called put('a') and put('b'), and thread C closed it: "
                f"thread A's put() {told_put(results['A'])} and thread B's {told_put(results['B'])}, expected Closed for both."
            )

        return Plan(
            {"A": lambda: attempt(buffer.put, "a"), "B": lambda: attempt(buffer.put, "b"), "C": close},
            verdict,
            advice=close_woke,
        )

    return scenario


@scenario("test_explorer_finds_timeouts_give_up", finds=["timeout_ignored"])
def timeouts_give_up():
    """Thread A calls get(timeout=1) on an empty buffer, thread B put('new', timeout=1) on a full one; thread C helps both 2 s later."""

    def scenario(module):
        empty, full = module.BoundedBuffer(1), module.BoundedBuffer(1)
        full.put("old")

        def late():
            explore.sleep(2)
            empty.put("late")
            return full.get()

        def verdict(results, run):
            if timed_out(results["A"]) and timed_out(results["B"]):
                return None
            return (
                f"Thread A called get(timeout=1) on an empty buffer and thread B put('new', timeout=1) on a full one; "
                f"2 s later thread C put an item into the first and took one from the second. Thread A's get() "
                f"{said_briefly(results['A'])} and thread B's put() {told_put(results['B'])}, expected TimeoutError for both after 1 s. "
                "Pass the timeout to wait() or wait_for(), and raise TimeoutError when it runs out."
            )

        return Plan(
            {"A": lambda: attempt(empty.get, timeout=1), "B": lambda: attempt(full.put, "new", timeout=1), "C": late},
            verdict,
            advice="A timeout is the longest a call may wait: pass it to wait() or wait_for().",
        )

    return scenario
