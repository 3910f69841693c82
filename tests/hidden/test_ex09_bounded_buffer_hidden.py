"""Hidden checks for exercise 09: the same behaviours as the public checks, tried in other ways."""

import sys
import threading
import time
from collections import Counter as Tally

from kata.harness import QUICK, SETTLE, Call, Outcome, bounded, expect, forced_races, outcome, run_together, said, settle

ADVICE = "Is a thread waiting on the Condition without anyone to wake it?"


def test_none_falsy_repeated_and_unhashable_items_come_out_as_they_went_in(exercise):
    """None, falsy, repeated and unhashable items come out as they went in, in order."""
    items = [None, 0, "", [], None, {"k": []}, 0]
    buffer = bounded(exercise.BoundedBuffer, len(items), what=f"BoundedBuffer({len(items)})")
    for item in items:
        bounded(buffer.put, item, what=f"put({item!r})", advice=ADVICE)
    got = [bounded(buffer.get, timeout=1, what="get(timeout=1) on a buffer holding items", advice=ADVICE) for _ in items]
    expect(got == items, f"put() of {items!r}, then as many get() calls, returned {got!r}. None and falsy values are items like any other.")


def test_a_timeout_of_zero_tries_once_and_does_not_wait(exercise):
    """A timeout of 0 means: try once, do not wait."""
    buffer = bounded(exercise.BoundedBuffer, 1, what="BoundedBuffer(1)")
    for text, call in [
        ("get(timeout=0) on an empty buffer", lambda: buffer.get(timeout=0)),
        ("put('a', timeout=0) with room", lambda: buffer.put("a", timeout=0)),
        ("put('b', timeout=0) on a full buffer", lambda: buffer.put("b", timeout=0)),
        ("get(timeout=0) holding 'a'", lambda: buffer.get(timeout=0)),
    ]:
        started = time.monotonic()
        got = outcome(call, what=text, advice="A timeout of 0 means: try once, then raise.", limit=1.0)
        took = time.monotonic() - started
        should_fail = "empty" in text or "full" in text
        expect(
            (isinstance(got.error, TimeoutError) if should_fail else not got.raised) and took < 0.3,
            f"BoundedBuffer(1): {text} {said(got)} after {took:.2f} s; expected "
            + ("TimeoutError at once." if should_fail else "it to succeed at once."),
        )


def test_a_get_waiting_for_an_item_is_woken_while_a_put_waits_too(exercise):
    """A get() waiting for an item is woken even while a put() waits too."""
    interval = sys.getswitchinterval()
    buffer = bounded(exercise.BoundedBuffer, 1, what="BoundedBuffer(1)")
    bounded(buffer.put, "old", what="put('old')", advice=ADVICE)
    putters = []
    for name in ("p1", "p2"):
        putters.append(Call(buffer.put, name, timeout=QUICK))
        settle(putters[-1])

    def barge():
        sys.setswitchinterval(0.1)  # from get() straight into get(timeout=1), before a woken put runs
        try:
            first = buffer.get()
            started = time.monotonic()
            try:
                second = Outcome(buffer.get(timeout=1.0))
            except Exception as error:  # judged below
                second = Outcome(error=error)
            return first, second, time.monotonic() - started
        finally:
            sys.setswitchinterval(interval)

    first, second, took = bounded(barge, what="get() then get(timeout=1) while two put() calls wait", advice=ADVICE, limit=2 * QUICK)
    for putter in putters:
        if not putter.wait(QUICK):
            bounded(buffer.get, timeout=1, what="get(timeout=1) to let a put() go", advice=ADVICE)
    expect(
        first == "old" and not second.raised and took < SETTLE,
        "Two put() calls waited on a full BoundedBuffer(1); another thread took 'old' with get() and at once called get(timeout=1), "
        f"which found the buffer empty and waited. A put() then put its item, yet that get(timeout=1) {said(second)} after {took:.2f} s. "
        "The wakeup sent with the new item went to the other waiting put() alone.",
    )


def test_two_producers_and_five_consumers_on_a_buffer_of_one_lose_nothing(exercise):
    """Two producers and five consumers on a buffer of one: every item exactly once, never over capacity."""
    per_producer, consumers = 60, 5
    problems = []

    with forced_races(exercise):
        buffer = exercise.BoundedBuffer(1)

        def produce(p):
            for k in range(per_producer):
                try:
                    buffer.put((p, k), timeout=QUICK)
                except Exception as error:
                    problems.append(f"put({(p, k)!r}, timeout={QUICK:g}) raised {type(error).__name__}")
                    return
            return None

        def consume():
            taken = []
            while True:
                try:
                    taken.append(buffer.get(timeout=QUICK))
                except exercise.Closed:
                    return taken
                except Exception as error:
                    problems.append(f"get(timeout={QUICK:g}) raised {type(error).__name__}")
                    return taken
                if len(buffer) > 1:
                    problems.append(f"len() was {len(buffer)}, over the capacity of 1")

        consuming = [Call(consume) for _ in range(consumers)]
        run_together([lambda p=p: produce(p) for p in range(2)], what="2 producers", advice=ADVICE, limit=2 * QUICK)
        bounded(buffer.close, what="close()")
        taken = [item for c in consuming for item in c.result(what="a consumer's get() loop, after close(),", advice=ADVICE)]
    tally = Tally(taken)
    expected = {(p, k) for p in range(2) for k in range(per_producer)}
    expect(not problems, f"2 producers, {consumers} consumers, BoundedBuffer(1): {problems[0] if problems else ''}.")
    expect(
        set(tally) == expected and all(n == 1 for n in tally.values()),
        f"2 producers put {2 * per_producer} distinct items into a BoundedBuffer(1) while {consumers} consumers took them until close(): "
        f"{len(expected - set(tally))} never came out, {sum(1 for n in tally.values() if n > 1)} came out more than once.",
    )


def test_close_wakes_a_put_and_a_get_that_wait_with_timeouts(exercise):
    """close() wakes a put() and a get() that wait with a timeout: they raise Closed at once, not TimeoutError later."""
    empty = bounded(exercise.BoundedBuffer, 2, what="BoundedBuffer(2)")
    full = bounded(exercise.BoundedBuffer, 1, what="BoundedBuffer(1)")
    bounded(full.put, "x", what="put('x')", advice=ADVICE)
    calls = [("get(timeout=5) on an empty buffer", Call(empty.get, timeout=5)), ("put('y', timeout=5) on a full buffer", Call(full.put, "y", timeout=5))]
    for _, call in calls:
        settle(call)
    threading.Thread(target=empty.close, daemon=True).start()
    threading.Thread(target=full.close, daemon=True).start()
    for text, call in calls:
        got = call.outcome(what=f"{text}, after close(),", advice="close() must wake every waiter (notify_all).", limit=1.0)
        expect(isinstance(got.error, exercise.Closed), f"{text}, woken by close(), {said(got)}; expected Closed at once.")
