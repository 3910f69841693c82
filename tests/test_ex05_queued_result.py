"""Checks for exercise 05: results and exceptions come back from threads through a queue, in input order."""

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest

from kata.harness import HOLD_OPEN, QUICK, Call, Company, Outcome, bounded, expect, fail, fast_sleep, named, outcome, said, wait_until, where_threads_wait

#: The real ``queue.Queue``, kept before any check patches it.
RealQueue = queue.Queue
WAIT_ADVICE = "Is the caller waiting on a queue nobody puts anything in (did the worker die of an exception)?"
#: Seconds a program of its own gets to import the file and give up on its call, then to exit after its last line.
CHILD_RUN = 10.0
CHILD_EXIT = 1.5
#: A program that imports the learner's file (argv[1]), gives up on a call that never ends after
#: 0.05 s, prints what happened and reaches its last line.
TIMED_OUT_PROGRAM = """
import importlib.util, json, sys, threading


def exiting():
    # Python calls this as the program ends, before it waits for every non-daemon thread still running.
    waited = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    print("exiting " + json.dumps(waited), flush=True)


if hasattr(threading, "_register_atexit"):
    threading._register_atexit(exiting)
spec = importlib.util.spec_from_file_location("learner_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
try:
    module.call_in_thread(threading.Event().wait, timeout=0.05)
    print("returned", flush=True)
except TimeoutError:
    print("timed out", flush=True)
"""


# call_in_thread ---------------------------------------------------------------------------


def test_call_in_thread_waits_for_the_result_and_returns_it(exercise):
    gate = threading.Event()
    given = ["unchanged"]
    result = object()
    seen = []

    def slow(a, b):
        seen.append((a, b))
        gate.wait(QUICK + HOLD_OPEN)  # bounded: released by the check
        return result

    what = "call_in_thread(slow, [...], 7) with slow() taking a while"
    try:
        call = Call(exercise.call_in_thread, slow, given, 7)
        early = call.wait(HOLD_OPEN)
        gate.set()
        got, error = call.outcome(what=what, advice=WAIT_ADVICE, catch=(Exception,))
        if error is not None:
            fail(f"{what} raised {named(error)}; expected it to return slow()'s result.")
        expect(
            not early,
            f"{what} returned {got!r} before slow() had finished. Wait for the result: get() on the queue blocks "
            "until the worker has put it there; reading a variable right after start() does not wait.",
        )
        expect(
            seen and seen[0][0] is given and seen[0][1] == 7,
            f"{what}: slow() was called with {seen[0] if seen else 'nothing'}, expected the same list object and 7.",
        )
        expect(got is result, f"{what} returned {got!r}, expected the very object slow() returned.")
        quick = bounded(exercise.call_in_thread, pow, 2, 10, timeout=QUICK, what="call_in_thread(pow, 2, 10, timeout=2)", advice=WAIT_ADVICE)
        expect(quick == 1024, f"call_in_thread(pow, 2, 10, timeout=2) returned {quick!r}, expected 1024.")
    finally:
        gate.set()


def test_func_runs_in_another_thread(exercise):
    ran_in = []
    what = "call_in_thread(where)"
    call = Call(exercise.call_in_thread, lambda: ran_in.append(threading.current_thread()))
    call.result(what=what, advice=WAIT_ADVICE)
    expect(ran_in, f"{what} returned without calling where().")
    expect(
        ran_in[0] is not call.thread,
        f"{what}: the function ran in the thread that called call_in_thread. Start a new threading.Thread "
        "whose target calls it (pass the function itself, target=worker, not worker()).",
    )


def test_result_travels_through_a_queue(exercise):
    result = object()
    what = "call_in_thread(func)"
    with recording_queues(exercise) as log:
        got = bounded(exercise.call_in_thread, lambda: result, what=what, advice=WAIT_ADVICE)
    expect(got is result, f"{what} returned {got!r}, expected the object func returned.")
    expect(log.made, f"{what} returned the right value but made no queue.Queue. Let the worker put the result in a queue.Queue and get() it in the caller.")
    expect(
        any(carries(item, result) for item in log.puts),
        f"{what}: a queue.Queue was made, but func's result was never put into one (put: {len(log.puts)} item(s)). "
        "The worker should put the result (or a tuple holding it) into the queue.",
    )
    expect(
        any(carries(item, result) for item in log.gets),
        f"{what}: the result was put into the queue but never taken out with get(). Read the result from the "
        "queue in the caller: get() waits until it is there.",
    )


def calling_one_that_raises(exercise, error, arg, what, wait, why):
    """``call_in_thread(func, arg)`` where func raises ``error(...)`` built from arg, watched: if the caller
    still waits ``wait`` s after func raised, a failure that says so and then ``why``."""
    raised = threading.Event()
    company = Company()

    def func(x):
        raised.set()
        raise error(x)

    call = Call(exercise.call_in_thread, func, arg)
    finished = company.wait(call.wait, wait)  # None: every thread of the check waits with no timeout, so none can put a result
    if not finished and raised.is_set():
        how = f"{wait:g} s" if finished is False else "for good (every thread waited with no timeout, so none could put a result)"
        fail(f"{what} was still waiting {how} after the function had raised. {why}\nWhere the threads are:\n" + where_threads_wait([exercise.__file__]))
    return call


def test_exception_is_raised_in_the_caller(exercise):
    what = "call_in_thread(broken, 'step 3') with broken() raising Oops('step 3 went wrong')"
    call = calling_one_that_raises(
        exercise, lambda x: Oops(f"{x} went wrong"), "step 3", what, QUICK,
        "The exception ended the worker thread before it put anything in the queue, so the caller waits for a result that "
        "never comes. Catch the exception in the worker (try/except) and put it in the queue for the caller to raise.",
    )
    got, error = call.outcome(what=what, advice=WAIT_ADVICE, catch=(Exception,))
    expect(
        error is not None,
        f"{what} returned {got!r} instead of raising. The worker must catch the exception, put it in the "
        "queue, and the caller must raise it again.",
    )
    expect(
        type(error) is Oops and str(error) == "step 3 went wrong",
        f"{what} raised {named(error)}, expected Oops('step 3 went wrong'): raise the exception func raised, "
        "not a new one.",
    )
    got = bounded(exercise.call_in_thread, lambda: None, what="call_in_thread(lambda: None)", advice=WAIT_ADVICE)
    expect(got is None, f"call_in_thread(lambda: None) returned {got!r}, expected None: a function that returns None is not an error.")


def test_a_base_exception_is_raised_in_the_caller(exercise):
    what = "call_in_thread(halting, 'step 2') with halting() raising Halt('stopped at step 2'), a BaseException subclass"
    call = calling_one_that_raises(
        exercise, lambda x: Halt(f"stopped at {x}"), "step 2", what, QUICK / 2,
        "Halt is a BaseException but not an Exception (like KeyboardInterrupt): a worker that catches only Exception is "
        "ended by it before anything is put in the queue. Catch BaseException in the worker and hand it to the caller.",
    )
    got, error = call.outcome(what=what, advice=WAIT_ADVICE)
    expect(error is not None, f"{what} returned {got!r} instead of raising Halt.")
    expect(
        type(error) is Halt and str(error) == "stopped at step 2",
        f"{what} raised {named(error)}, expected Halt('stopped at step 2'): raise the very exception func raised, whatever its kind.",
    )


def test_an_exception_object_that_func_returns_is_a_value(exercise):
    returned = LookupError("not an error: a value")
    what = "call_in_thread(lambda: LookupError('not an error: a value'))"
    got = outcome(exercise.call_in_thread, lambda: returned, what=what, advice=WAIT_ADVICE)
    expect(
        not got.raised and got.value is returned,
        f"{what} {said(got)}; expected it to return that LookupError object. func *returned* it, it did not raise it: "
        "tell a result and an error apart by how the worker got them (a flag or a wrapper beside the value), not by "
        "the value's type.",
    )
    values = [KeyError("k"), None, 0]
    what = "parallel_map(f, range(3)) where f returns KeyError('k'), None and 0"
    got = outcome(exercise.parallel_map, values.__getitem__, range(3), what=what, advice=WAIT_ADVICE)
    expect(
        not got.raised and isinstance(got.value, list) and len(got.value) == 3 and all(a is b for a, b in zip(got.value, values)),
        f"{what} {said(got)}; expected [KeyError('k'), None, 0], the very values f returned.",
    )


def test_timeout_raises_timeout_error_promptly(exercise):
    gate = threading.Event()
    what = "call_in_thread(stuck, timeout=0.2) with stuck() blocked until the check ends"
    try:
        started = time.monotonic()
        call = Call(exercise.call_in_thread, gate.wait, timeout=0.2)  # no timeout: a caller that ignores its own is seen waiting for good
        got, error = call.outcome(what=what, advice="It must give up after 0.2 s: pass the timeout on to queue.get(timeout=...).", catch=(Exception,))
        elapsed = time.monotonic() - started
    finally:
        gate.set()
    expect(error is not None, f"{what} returned {got!r} after {elapsed:.2f} s; expected the built-in TimeoutError.")
    expect(
        type(error) is TimeoutError,
        f"{what} raised {named(error)}; expected the built-in TimeoutError. queue.get(timeout=...) raises "
        "queue.Empty when nothing came: catch that and raise TimeoutError.",
    )
    expect(elapsed >= 0.15, f"{what} raised TimeoutError after only {elapsed:.2f} s; it should wait the full 0.2 s first.")
    expect(elapsed < 1.5, f"{what} took {elapsed:.2f} s to raise TimeoutError; expected about 0.2 s.")
    gate = threading.Event()
    what = "call_in_thread(stuck, timeout=0) with stuck() blocked until the check ends"
    try:
        got = outcome(exercise.call_in_thread, gate.wait, timeout=0, what=what,
                      advice="A timeout of 0 means do not wait: look once, then raise TimeoutError. Is 0 taken for None (`if timeout:`)?")
    finally:
        gate.set()
    expect(type(got.error) is TimeoutError, f"{what} {said(got)}; expected the built-in TimeoutError at once: a timeout of 0 means do not wait.")


def test_a_program_can_exit_while_a_call_it_gave_up_on_still_runs(exercise):
    """A call abandoned after its timeout does not keep the program from exiting (a daemon worker)."""
    gate = threading.Event()
    what = "call_in_thread(stuck, timeout=0.05) with stuck() blocked until the check ends"
    try:  # in this process first, so a stub or a missing timeout is told as such
        got = outcome(exercise.call_in_thread, gate.wait, timeout=0.05, what=what, advice="It must give up after 0.05 s.")
    finally:
        gate.set()
    expect(type(got.error) is TimeoutError, f"{what} {said(got)}; expected the built-in TimeoutError.")
    program = "A program of its own whose call_in_thread(stuck, timeout=0.05) timed out, with stuck() never returning,"
    child = subprocess.Popen(
        [sys.executable, "-c", TIMED_OUT_PROGRAM, exercise.__file__], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace",
    )  # fmt: skip
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(child.stdout), name="kata-child-reader", daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + CHILD_RUN
        while not printed and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if printed and printed[0].strip() == "timed out":
            # The stuck call waits on an Event nobody else can set: a non-daemon thread still in it at exit is one Python waits for forever.
            wait_until(lambda: child.poll() is not None or any(line.startswith("exiting [\"") for line in printed), CHILD_EXIT)
        exited = child.poll() is not None
        kept = next((json.loads(line[len("exiting "):]) for line in printed if line.startswith("exiting [\"")), [])
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        reader.join(QUICK)
    shown = "".join(line for line in printed if not line.startswith("exiting "))[-500:]
    expect(
        printed[:1] == ["timed out\n"],
        f"A program of its own that calls call_in_thread(stuck, timeout=0.05), with stuck() never returning, did not get "
        f"its TimeoutError within {CHILD_RUN:g} s; it printed:\n{shown}",
    )
    expect(
        exited or not kept,
        f"{program} could not end: at its last line the non-daemon thread(s) {', '.join(map(repr, kept))} were still "
        "waiting in stuck(), which never returns, and Python waits for every non-daemon thread before it exits (it was "
        "ended by force). The caller has given up on this one: make the worker a daemon thread, threading.Thread(..., daemon=True).",
    )
    expect(
        exited,
        f"{program} was still running {CHILD_EXIT:g} s after its last line (it was ended by force): the worker thread "
        "kept it alive. Python waits for every non-daemon thread before it exits, and the caller has given up on this "
        "one: make the worker a daemon thread, threading.Thread(..., daemon=True).",
    )


# parallel_map -----------------------------------------------------------------------------


def test_parallel_map_of_nothing_is_an_empty_list(exercise):
    for items, text in [([], "[]"), (iter(()), "iter(())")]:
        got = bounded(exercise.parallel_map, abs, items, what=f"parallel_map(abs, {text})", advice=WAIT_ADVICE)
        expect(got == [] and isinstance(got, list), f"parallel_map(abs, {text}) returned {got!r}, expected [].")


def test_parallel_map_runs_all_calls_at_the_same_time(exercise):
    n = 5
    arrived = []
    release, alone = threading.Event(), threading.Event()
    alone_with: list[int] = []  # how many calls had started when one was seen alone
    company = Company()

    def meet(item):
        arrived.append(item)
        # Bounded, in case the calls run one by one; and over once no other call can start.
        if company.wait(release.wait, QUICK + HOLD_OPEN) is None and not alone.is_set():
            alone_with.append(len(arrived))
            alone.set()
        return item * 10

    what = f"parallel_map(meet, range({n})) with every call waiting until all {n} are running"
    try:
        call = Call(exercise.parallel_map, meet, range(n))
        together = wait_until(lambda: len(arrived) == n or call.done() or alone.is_set(), QUICK) and len(arrived) == n
        if call.done() and not together:
            got = call.result(what=what, advice=WAIT_ADVICE)
            fail(f"{what} returned {got!r} after only {len(arrived)} of the {n} calls had started.")
        how_long = "while the first ran, every other thread waited with no timeout, so no other could start" if alone.is_set() else f"after {QUICK:g} s"
        expect(
            together,
            f"{what}: only {alone_with[0] if alone.is_set() else len(arrived)} of the {n} calls had started, {how_long}: they do not run at the "
            "same time. Start a thread for every item first, and only then wait for the results.\n"
            "Where the threads are:\n" + where_threads_wait([exercise.__file__]),
        )
        release.set()
        got = call.result(what=what, advice=WAIT_ADVICE)
        expect(got == [i * 10 for i in range(n)], f"{what} returned {got!r}, expected {[i * 10 for i in range(n)]}.")
    finally:
        release.set()


def test_parallel_map_keeps_input_order_when_later_items_finish_first(exercise):
    n = 5
    finished = [threading.Event() for _ in range(n)]
    deadline: list[float] = []
    alone: list[int] = []  # the call that saw no other could start while it waited
    company = Company()

    def backwards(item):
        # Each call waits for the next item's call to finish, so they finish last item first.
        # Not until the deadline once no other call can start meanwhile: then the rest need not wait either.
        if item + 1 < n and not alone and company.wait(finished[item + 1].wait, max(0.0, deadline[0] - time.monotonic())) is None:
            alone.append(item)
        finished[item].set()
        return f"result {item}"

    what = f"parallel_map(f, range({n})) with the calls finishing in the order 4, 3, 2, 1, 0"
    deadline.append(time.monotonic() + QUICK / 2)  # calls made one by one give up waiting by then
    got = bounded(exercise.parallel_map, backwards, (i for i in range(n)), what=what, advice=WAIT_ADVICE)
    expected = [f"result {i}" for i in range(n)]
    expect(
        got == expected,
        f"{what} returned {got!r}, expected {expected!r}: results belong in the order of the items, not in the "
        "order the calls finish. Keep each item's outcome apart (its own queue, or its index) and read them in order.",
    )
    expect(
        all(e.is_set() for e in finished),
        f"{what} returned before every call had finished.",
    )


def test_parallel_map_gives_repeated_and_unhashable_items_each_their_own_result(exercise):
    items = [[1, 2], [], [1, 2], [3]]
    what = "parallel_map(len, [[1, 2], [], [1, 2], [3]]) (one item twice, and lists, which cannot be dict keys)"
    got = outcome(exercise.parallel_map, len, iter(items), what=what, advice=WAIT_ADVICE)
    expect(
        not got.raised and got.value == [2, 0, 2, 1],
        f"{what} {said(got)}, expected [2, 0, 2, 1]: every item gets its own result in its own place, even when "
        "it repeats or cannot be hashed. Keep each outcome by its position (a queue per item, or the index it "
        "came with), not by the item itself.",
    )


def test_parallel_map_raises_the_first_failure_in_input_order_after_all_calls_end(exercise):
    n = 5
    threads = [None] * n
    raised = [threading.Event() for _ in range(n)]
    finished = [threading.Event() for _ in range(n)]
    gate = threading.Event()
    company = Company()

    def mixed(item):
        threads[item] = threading.current_thread()
        try:
            if item == 1:
                # Fail only after item 3 has failed and its thread has ended, so item 3's
                # failure is the first one in time and item 1's the first in input order.
                if company.wait(raised[3].wait, 0.5) and threads[3] is not threads[1]:  # not 0.5 s once item 3 cannot start
                    threads[3].join(0.5)
                raised[1].set()
                raise Oops("item 1 failed")
            if item == 3:
                raised[3].set()
                raise Oops("item 3 failed")
            if item == 4:
                gate.wait(QUICK + HOLD_OPEN)  # the slowest call; released by the check
            return item
        finally:
            finished[item].set()

    what = "parallel_map(f, range(5)) with f(3) raising Oops('item 3 failed'), then f(1) raising Oops('item 1 failed'), and f(4) slow"
    try:
        call = Call(exercise.parallel_map, mixed, range(n))
        wait_until(lambda: raised[1].is_set() or call.done(), QUICK)
        early = call.wait(HOLD_OPEN)
        slow_running = not finished[4].is_set()
        gate.set()
        got, error = call.outcome(what=what, advice=WAIT_ADVICE, catch=(Exception,))
        unfinished = [i for i in range(n) if not finished[i].is_set()]
    finally:
        gate.set()
    expect(
        not (early and slow_running),
        f"{what}: parallel_map "
        + (f"raised {named(error)}" if error is not None else f"returned {got!r}")
        + (" while f(4) was still running" if threads[4] is not None else " before f(4) had even been called")
        + ". Start every call first, and wait for every call to finish before raising.",
    )
    expect(not unfinished, f"{what}: parallel_map ended before the calls for items {unfinished} had finished. Wait for every call.")
    expect(error is not None, f"{what} returned {got!r}; expected it to raise Oops('item 1 failed').")
    expect(
        type(error) is Oops and str(error) == "item 1 failed",
        f"{what} raised {named(error)}, expected Oops('item 1 failed'): the failure of the first item in input order, "
        "even though item 3 failed earlier.",
    )

def test_parallel_map_keeps_a_base_exception_and_still_waits_for_every_call(exercise):
    n = 4
    raised, slow_done, gate = threading.Event(), threading.Event(), threading.Event()

    def halting(item):
        if item == 1:
            raised.set()
            raise Halt("item 1 halted")
        if item == 3:
            gate.wait(QUICK + HOLD_OPEN)  # the slowest call; released by the check
            slow_done.set()
        return item

    what = "parallel_map(f, range(4)) with f(1) raising Halt('item 1 halted'), a BaseException subclass, and f(3) slow"
    try:
        call = Call(exercise.parallel_map, halting, range(n))
        wait_until(lambda: raised.is_set() or call.done(), QUICK)
        early = call.wait(HOLD_OPEN)
        slow_running = not slow_done.is_set()
        gate.set()
        got, error = call.outcome(what=what, advice=WAIT_ADVICE + " Does the worker catch only Exception? Halt is a BaseException.")
    finally:
        gate.set()
    expect(
        not (early and slow_running),
        f"{what}: parallel_map {said(Outcome(got, error))} while f(3) was still running. Collect every call's outcome "
        "first, whatever kind of exception it is, and raise only after every call has finished.",
    )
    expect(
        type(error) is Halt and str(error) == "item 1 halted",
        f"{what}: parallel_map {said(Outcome(got, error))}, expected it to raise Halt('item 1 halted'), the very exception f(1) raised.",
    )

# Helpers of the checks above: this exercise's own story ---------------------------------------


class Oops(Exception):
    """The exception the checks' functions raise."""


class Halt(BaseException):
    """A BaseException that is not an Exception, as KeyboardInterrupt is: it must reach the caller too."""


@contextlib.contextmanager
def recording_queues(module):
    """While the block runs, ``queue.Queue`` (also as a name imported into ``module``) makes queues
    that record what is put in and taken out."""
    log = SimpleNamespace(made=[], puts=[], gets=[])

    class Queue(RealQueue):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            log.made.append(self)

        def put(self, item, block=True, timeout=None):
            log.puts.append(item)
            super().put(item, block, timeout)

        def get(self, block=True, timeout=None):
            item = super().get(block, timeout)
            log.gets.append(item)
            return item

    imported = getattr(module, "Queue", None) is RealQueue
    queue.Queue = Queue
    if imported:
        module.Queue = Queue
    try:
        yield log
    finally:
        queue.Queue = RealQueue
        if imported:
            module.Queue = RealQueue


def carries(item, value):
    """Whether a queue item is ``value`` or holds it directly (in a tuple, list, dict or object)."""
    if item is value:
        return True
    if isinstance(item, dict):
        parts = list(item.values())
    elif isinstance(item, (tuple, list)):
        parts = list(item)
    else:
        parts = list(getattr(item, "__dict__", {}).values())
    return any(part is value for part in parts)


@pytest.fixture(autouse=True)
def sleep_returns_at_once(exercise):
    """``time.sleep`` in the learner's file returns at once, so a sleep that stands in for waiting
    on the queue shows up every time, whatever it sleeps."""
    with fast_sleep(exercise):
        yield
