"""Checks for exercise 10: PeriodicWorker calls its task regularly in its own thread, stops at once
even mid-interval, has ended its thread when stop() returns, and waits without using CPU.

The task given here records when and in which thread it ran. Once a check is over it raises
SystemExit (which ends a thread quietly), so a worker whose stop() does not work cannot outlive it.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator

from kata.explorer import Plan
from kata.harness import (
    GATE_LIMIT,
    INTERVAL,
    QUICK,
    WINDOW,
    Call,
    Outcome,
    bounded,
    clock_reads,
    describe_threads,
    expect,
    fail,
    fast_sleep,
    join_all,
    outcome,
    real_sleep,
    record_threads,
    said_briefly,
    spaced,
    wait_until,
    where_threads_wait,
)
from kata.harness.calls import until_or_standing
from kata.harness.scenarios import scenario
from kata.harness.stepping import at_every_step, sit_still

#: An interval long enough that a stop() that waits it out cannot go unnoticed.
LONG = 10.0
#: stop() of a worker that is only waiting must return within this many seconds.
PROMPT = 0.5
#: While it waits, a worker thread uses well under a millisecond of CPU time per call; one that
#: polls uses every bit of a core it is given, even on a crowded machine.
BUSY_SHARE = 0.05
#: More clock reads or sleeps than this from the learner's file within WINDOW means a polling loop.
POLLS = 500

EVENT_ADVICE = (
    "Wait on a threading.Event with a timeout instead (event.wait(interval) returns as soon as stop() "
    "sets the event), and join the thread in stop()."
)


#: Clocks a polling loop reads; reading one is cheap, so a loop that polls reads it thousands of times a second.


def test_calls_the_task_about_every_interval_in_its_own_thread(exercise):
    task = Task()
    with started_worker(exercise, task, INTERVAL) as (worker, threads):
        started = time.monotonic()
        real_sleep(WINDOW)
        elapsed = time.monotonic() - started
        calls = list(task.calls)
    expected = elapsed / INTERVAL
    intro = f"{made(INTERVAL)}.start(), then {elapsed:.2f} s later: task() was called {len(calls)} time(s), expected about {expected:.0f}"
    expect(calls, intro + ". Does the thread call task() in a loop?")
    strangers = sorted({th.name for _, th in calls if th not in threads})
    expect(
        not strangers,
        f"{made(INTERVAL)}: task() ran in thread(s) {', '.join(map(repr, strangers))}, which start() did not start. "
        "The task must run in the worker's own thread, not in the thread that called start().",
    )
    times = [t for t, _ in calls]
    gap = statistics.median(b - a for a, b in zip(times, times[1:])) if len(times) > 2 else elapsed
    expect(
        len(calls) >= expected / 4 and gap <= 3 * INTERVAL,
        intro + f" (calls came {gap:.3f} s apart). The thread should call task() again and again, "
        "waiting about `interval` seconds in between.",
    )
    expect(
        len(calls) <= 1.5 * expected + 2 and gap >= INTERVAL / 2,
        intro + f" (calls came {gap:.3f} s apart): too often. Wait the whole `interval` (in seconds) between calls.",
    )


def test_stop_returns_at_once_in_the_middle_of_a_long_interval(exercise):
    task = Task()
    files = [exercise.__file__]
    with started_worker(exercise, task, LONG) as (worker, threads):
        real_sleep(0.1)
        calls_before = len(task.calls)
        stopping = Call(stop_and_look, worker, threads)
        if not stopping.wait(PROMPT):
            fail(
                f"{made(LONG)}.start(), then stop() 0.1 s later: stop() did not return within {PROMPT:g} s. The worker "
                f"was only waiting for its next call, {LONG:g} s away, and stop() must not wait that out. A thread in "
                f"time.sleep() cannot be woken early. {EVENT_ADVICE}\nWhere the threads are:\n{where_threads_wait(files)}"
            )
        _, alive = stopping.result(what="stop()", limit=0)
        calls_after = len(task.calls)
    expect(
        not alive,
        f"{made(LONG)}.stop() returned while the worker thread was still alive ({describe_threads(alive)}). When "
        "stop() returns the thread must have ended: join it after waking it.",
    )
    expect(
        calls_after == calls_before,
        f"{made(LONG)}.start(), then stop() 0.1 s later: stop() made the worker call task() once more "
        f"({calls_before} call(s) before stop(), {calls_after} after). Once stop() is called the task must not run "
        "again: check whether you were told to stop before calling task(), e.g. `while not event.wait(interval):`.",
    )


def test_stop_waits_until_the_thread_has_ended(exercise):
    task = Task(pause=0.2)
    with started_worker(exercise, task, INTERVAL) as (worker, threads):
        first_call(exercise, task)
        took, alive = bounded(
            stop_and_look,
            worker,
            threads,
            what=f"{made(INTERVAL)}.stop() while task() was running (it takes 0.2 s)",
            advice="stop() should wait only for the running call to finish.",
            limit=2.0,
        )
        calls = len(task.calls)
        real_sleep(3 * INTERVAL)
        later, started_later = len(task.calls), [t for t in threads if t.is_alive()]
    expect(
        not alive,
        f"{made(INTERVAL)}.stop(), called while task() was running (it takes 0.2 s), returned after {took:.2f} s while "
        f"the worker thread was still alive ({describe_threads(alive)}). stop() must not return before the thread "
        "has ended: wake it, then join() it.",
    )
    expect(
        later == calls and not started_later,
        f"{made(INTERVAL)}: after stop() returned, task() was called {later - calls} more time(s) and these threads "
        f"were running: {describe_threads(started_later) or 'none'}. Once stop() has returned nothing may run the task again.",
    )


#: How many stop() calls the check of stops at once makes: one that waits for the thread, then the others.
STOPS = 3


def test_stops_from_several_threads_each_return_only_once_the_thread_has_ended(exercise):
    # task() is held in the middle of a call. One stop() is called and left waiting for the worker
    # thread; then two more stop() calls come from other threads while it waits. The thread cannot end
    # before task() is let go, so no stop() may return before that: each must wait for the thread.
    task = HeldTask()
    try:
        with started_worker(exercise, task, INTERVAL) as (worker, threads):
            first_call(exercise, task)
            stops = []
            for _ in range(STOPS):
                stops.append(Call(stop_and_look, worker, threads))
                sit_still(stops[-1])  # it returned, or it waits (for the thread, or for the lock)
            early = [number for number, stop in enumerate(stops, 1) if stop.done()]
            task.release.set()
            looks = [
                stop.result(what=f"stop() number {number} of {STOPS}, called while another stop() waited for the thread, after task() was let go,",
                            advice="stop() should wait only for the running call to finish.", limit=PROMPT + 1.0)
                for number, stop in enumerate(stops, 1)
            ]
    finally:
        task.release.set()
    alive = {number: left for number, (_, left) in enumerate(looks, 1) if left}
    if early or alive:
        fail(
            f"{made(INTERVAL)}: task() was held in the middle of a call; stop() was called and waited for the worker thread, then "
            f"{STOPS - 1} more stop() calls came from other threads while it waited. "
            + (f"{numbered(early)} returned while task() was still held" if early else
               f"{numbered(alive)} returned with the worker thread still alive "
               f"({describe_threads(next(iter(alive.values())))})")
            + ". "
            "Every stop() must return only once the thread has ended, however many are called at once: each one joins the "
            "thread, so a later stop() must still find it to join, even while an earlier one is joining it.",
        )


def test_waiting_uses_no_cpu(exercise):
    task = Task()
    with fast_sleep(exercise) as asked, clock_reads(exercise) as reads, started_worker(exercise, task, INTERVAL) as (worker, threads):
        wall, cpu, slept, read = time.monotonic(), time.process_time(), len(asked), reads[0]
        real_sleep(WINDOW)
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
        slept, read, calls = len(asked) - slept, reads[0] - read, len(task.calls)
    if slept:  # the check's own fast sleep made that CPU: say what the code did, not "busy-waiting"
        why = (
            f". Your file called time.sleep() {slept} time(s); this check makes time.sleep() return at once, so a "
            f"worker that waits by sleeping runs flat out here, and stop() could not wake it. {EVENT_ADVICE}"
        )  # fmt: skip
    elif read > POLLS:
        why = ". Waiting for the next call should use almost no CPU: your file checked the clock over and over in a loop (busy-waiting)."
    else:
        why = ". Waiting for the next call should use almost no CPU: the thread kept running instead of blocking."
    expect(
        cpu <= BUSY_SHARE * wall and slept <= POLLS and read <= POLLS,
        f"{made(INTERVAL)} running for {wall:.2f} s ({calls} calls of task()) used {cpu:.2f} s of CPU time "
        f"({cpu / wall:.0%} of a core)" + (f", and your file read the clock {spaced(read)} times" if read > POLLS else "")
        + why + ("" if slept else " Block on something with a timeout instead, such as threading.Event.wait(interval)."),
    )


def test_stop_twice_or_before_start_does_nothing(exercise):
    task = Task()
    worker = exercise.PeriodicWorker(task, INTERVAL)
    problem = None
    try:
        bounded(worker.stop, what=f"{made(INTERVAL)}.stop() before start()")
    except NotImplementedError:
        raise
    except Exception as error:
        problem = f"{type(error).__name__}: {error}"
    expect(
        problem is None,
        f"{made(INTERVAL)}.stop() before start() raised {problem}. Stopping a worker that never started should "
        "simply do nothing: check whether there is a thread to wake and join.",
    )
    task.retired = True  # a worker that starts anyway stops at its first call
    with started_worker(exercise, Task(), INTERVAL) as (worker, threads):
        real_sleep(2 * INTERVAL)
        bounded(worker.stop, what=f"{made(INTERVAL)}.stop()")
        try:
            bounded(worker.stop, what=f"{made(INTERVAL)}.stop() a second time")
        except NotImplementedError:
            raise
        except Exception as error:
            problem = f"{type(error).__name__}: {error}"
    expect(
        problem is None,
        f"{made(INTERVAL)}: start(), stop(), then stop() again: the second stop() raised {problem}. Stopping a "
        "stopped worker should simply do nothing.",
    )


def test_a_stop_racing_start_leaves_no_thread_behind(exercise):
    """start() is stopped before each of its steps in turn while stop() runs in another thread:
    neither may raise, and soon after both have returned no worker thread is left and task() is
    not called again."""
    tasks = []

    def pair():
        tasks.append(Task())
        worker = exercise.PeriodicWorker(tasks[-1], INTERVAL)
        return worker.start, worker.stop

    with record_threads() as threads, retiring(tasks):
        for meeting in at_every_step(exercise.__file__, pair):
            scene = f"{made(INTERVAL)}: start() was stopped at line {meeting.line} of your file while stop() ran in another thread"
            stopped = meeting.second.outcome(what=f"stop(), while a start() was stopped at line {meeting.line},", limit=PROMPT + 1.0, catch=(Exception,))
            started = meeting.first.outcome(what=f"start(), stopped at line {meeting.line} while stop() ran,", limit=PROMPT + 1.0, catch=(Exception,))
            judge_start_and_stop(scene, started, stopped, threads)


def test_a_stop_meeting_a_start_whose_thread_is_slow_to_start_raises_nothing(exercise):
    """The other way round: stop() is stopped before each of its steps in turn while start() runs
    in another thread, and start()'s thread.start() is held back meanwhile (a thread made but not
    yet running, as on a busy machine). Neither call may raise, and no worker thread is left."""
    tasks = []

    def pair():
        tasks.append(Task())
        worker = exercise.PeriodicWorker(tasks[-1], INTERVAL)
        return worker.stop, worker.start

    with record_threads() as threads, retiring(tasks), thread_starts_held(exercise) as held:
        for meeting in at_every_step(exercise.__file__, pair):
            sit_still(meeting.first)  # stop() has gone on: it returned, or it waits for what start() holds
            held.set()
            scene = (
                f"{made(INTERVAL)}: stop() was stopped at line {meeting.line} of your file while start() ran in another thread, "
                "and start()'s thread.start() took a while (on a busy machine a new thread can take that long to get going)"
            )
            stopped = meeting.first.outcome(what=f"stop(), stopped at line {meeting.line} while start() ran,", limit=PROMPT + 1.0, catch=(Exception,))
            started = meeting.second.outcome(what=f"start(), while a stop() was stopped at line {meeting.line},", limit=PROMPT + 1.0, catch=(Exception,))
            judge_start_and_stop(scene, started, stopped, threads)
            held.clear()


def judge_start_and_stop(scene: str, started: Outcome, stopped: Outcome, threads: list[threading.Thread]) -> None:
    """Neither call raised, and no worker thread is left running soon after."""
    __tracebackhide__ = True
    expect(
        not stopped.raised,
        f"{scene}; stop() raised {stopped.error!r}. stop() may be called at any moment, also while start() runs: read and "
        "write what they share under one lock, and join only a thread that has been started.",
    )
    expect(not started.raised, f"{scene}; start() raised {started.error!r}.")
    left = join_all([t for t in threads if t.is_alive()], PROMPT)
    expect(
        not left,
        f"{scene}; both returned, but {PROMPT:g} s later thread(s) {describe_threads(left)} were still running. A stop() that "
        "comes while start() runs must still end the worker: the thread start() makes has to see that stop was asked.",
    )


def test_two_starts_at_once_run_one_worker(exercise):
    """One start() is stopped before each of its steps in turn while another start() of the same
    worker runs: at most one worker thread runs the task (the second start may raise RuntimeError)."""
    tasks = []

    def pair():
        tasks.append(Task())
        worker = exercise.PeriodicWorker(tasks[-1], INTERVAL)
        workers.append(worker)
        return worker.start, worker.start

    workers = []
    with record_threads() as threads, retiring(tasks):
        for meeting in at_every_step(exercise.__file__, pair):
            for call in (meeting.second, meeting.first):
                got = call.outcome(
                    what=f"start(), while another start() of the same worker was stopped at line {meeting.line},",
                    limit=PROMPT + 1.0,
                    catch=(Exception,),
                )
                if got.raised and not isinstance(got.error, RuntimeError):
                    raise got.error
            alive = list({id(t): t for t in threads if t.is_alive()}.values())
            stop = Call(workers[-1].stop)
            stop.wait(PROMPT)
            expect(
                len(alive) <= 1,
                f"{made(INTERVAL)}: one start() was stopped at line {meeting.line} of your file while another start() of the same worker "
                f"ran; afterwards {len(alive)} worker threads were running ({describe_threads(alive)}), each calling task(). Decide "
                "whether a thread already exists and make it in one step, under a lock: a second start() makes none (or raises RuntimeError).",
            )
            left = join_all([t for t in threads if t.is_alive()], PROMPT)
            expect(not left, f"{made(INTERVAL)}: after two start() calls at once and a stop(), thread(s) {describe_threads(left)} were still running.")


def test_a_second_start_raises_RuntimeError_or_does_nothing(exercise):
    """start() on a worker that is already running either raises RuntimeError or does nothing: no
    second thread, and the first one goes on calling task() until stop() ends it."""
    task = Task()
    with started_worker(exercise, task, INTERVAL) as (worker, threads):
        first_call(exercise, task)
        first = {id(t) for t in threads}
        again = outcome(worker.start, what=f"{made(INTERVAL)}.start() a second time, while the worker runs", catch=(Exception,))
        calls = len(task.calls)
        more = wait_until(lambda: len(task.calls) > calls, QUICK)
        extra = list({id(t): t for t in threads if id(t) not in first and t.ident is not None}.values())
        running = worker.running
        took, alive = bounded(stop_and_look, worker, threads, what=f"{made(INTERVAL)}.stop() after a second start()", limit=PROMPT + 1.0)
    expect(
        not again.raised or isinstance(again.error, RuntimeError),
        f"{made(INTERVAL)}.start(), then start() again while it ran: the second start() raised {again.error!r}. A worker runs one "
        "thread at most: a second start() raises RuntimeError (or does nothing), and nothing else.",
    )
    expect(
        not extra,
        f"{made(INTERVAL)}.start(), then start() again while it ran: the second start() started thread(s) {describe_threads(extra)}, "
        "so task() now runs in more than one thread. Remember the thread you started, and make none when there is one.",
    )
    expect(
        more and running,
        f"{made(INTERVAL)}.start(), then start() again while it ran, which {said_briefly(again)}: afterwards "
        + ("task() was not called again" if not more else f"running was {running!r}")
        + ". A second start() must leave the running worker running, as it was.",
    )
    expect(
        not alive,
        f"{made(INTERVAL)}.start(), start() again (which {said_briefly(again)}), then stop(): stop() returned after {took:.2f} s "
        f"while the worker thread was still alive ({describe_threads(alive)}). The second start() must leave the worker as it "
        "was, stoppable: does it replace what the running thread waits on?",
    )


def test_running_is_true_only_between_start_and_stop(exercise):
    task = Task()
    worker = exercise.PeriodicWorker(task, INTERVAL)
    before = worker.running
    task.retired = True
    property_hint = " (Is `running` a @property? Without it, worker.running is a method, which is always true.)" if callable(before) else ""
    expect(not before, f"{made(INTERVAL)}.running before start() is {before!r}, expected False.{property_hint}")
    with started_worker(exercise, Task(), INTERVAL) as (worker, threads):
        during = worker.running
        bounded(worker.stop, what=f"{made(INTERVAL)}.stop()")
        after = worker.running
    expect(during, f"{made(INTERVAL)}.running right after start() returned is {during!r}, expected True.")
    expect(not after, f"{made(INTERVAL)}.running after stop() returned is {after!r}, expected False.")

# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly.


@scenario("test_explorer_finds_a_stop_racing_start_raises_nothing", finds=["stop_joins_a_thread_not_yet_started"])
def stop_racing_start():
    """Thread A calls start() on a PeriodicWorker(task, 1) while thread B calls stop(); neither may raise."""

    def scenario(module):
        worker = module.PeriodicWorker(lambda: None, 1)

        def verdict(results, run):
            problems = [f"thread {name}'s {call}() {said_briefly(results[name])}" for name, call in (("A", "start"), ("B", "stop")) if results[name].raised]
            if not problems:
                return None
            return (
                "Thread A called start() on a PeriodicWorker while thread B called stop(): " + " and ".join(problems)
                + ". stop() may come at any moment of start(): read and write what they share under one lock, and join only a thread that was started."
            )

        return Plan(
            {"A": lambda: Outcome.of(worker.start), "B": lambda: Outcome.of(worker.stop)},
            verdict,
            advice="start() and stop() may run at the same time.",
        )

    return scenario

# Helpers of the checks above: this exercise's own story ---------------------------------------


@contextlib.contextmanager
def retiring(tasks: list[Task]) -> Iterator[None]:
    """Retire every task in ``tasks`` once the block ends, so no worker outlives the check."""
    try:
        yield
    finally:
        for task in tasks:
            task.retired = True


class Task:
    """A task that records each call (when, in which thread); it can pause, and it can be retired."""

    def __init__(self, pause: float = 0.0) -> None:
        self.calls: list[tuple[float, threading.Thread]] = []
        self.called = threading.Event()
        self.pause = pause
        self.retired = False

    def __call__(self) -> None:
        if self.retired:
            raise SystemExit  # the check is over: end a worker thread that is still calling
        self.calls.append((time.monotonic(), threading.current_thread()))
        self.called.set()
        if self.pause:
            real_sleep(self.pause)


def numbered(numbers) -> str:
    """'stop() number 2', or 'stop() calls number 2 and 3'."""
    numbers = list(numbers)
    if len(numbers) == 1:
        return f"stop() number {numbers[0]}"
    return f"stop() calls number {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


class HeldTask(Task):
    """A Task whose calls are held until ``release`` is set (each at most GATE_LIMIT seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def __call__(self) -> None:
        super().__call__()
        self.release.wait(GATE_LIMIT)


#: How long a started worker gets to make its first call of task().
FIRST_CALL = QUICK
#: The checks in which a started worker's task() was not called within FIRST_CALL, by exercise file:
#: a later check gives it a tenth of that, and says so, rather than waiting out the same silence again.
_uncalled: dict[str, list[str]] = {}


def first_call(exercise, task: Task) -> None:
    """Wait for a started worker's first call of ``task``; fail, saying how long was waited, if none comes."""
    __tracebackhide__ = True
    earlier = _uncalled.setdefault(exercise.__file__, [])
    limit = FIRST_CALL / 10 if earlier else FIRST_CALL
    called = until_or_standing(task.called.is_set, limit)
    if called:
        return
    check = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    if called is None and earlier:  # the same words each time, so the run shows the cause once
        fail(f"{made(INTERVAL)}.start(): task() was not called, and never can be, as in {earlier[0]} (see that report).")
    if called is None:  # proved, not waited out: say so, with where the threads wait
        earlier.append(check)
        fail(
            f"{made(INTERVAL)}.start(): task() was not called, and never can be: every thread started since start() "
            "waits with no timeout, and no wake-up is on its way to any of them. Between calls, wait with the "
            "interval as the timeout (a wait that stop() can cut short).\nWhere the threads are:\n" + where_threads_wait([exercise.__file__])
        )
    if not earlier:
        earlier.append(check)
        fail(f"{made(INTERVAL)}.start(): task() was not called within {limit:g} s.")
    fail(f"{made(INTERVAL)}.start(): task() was not called within {limit:g} s, nor within {FIRST_CALL:g} s in {earlier[0]}.")


def made(interval: float) -> str:
    return f"PeriodicWorker(task, {interval:g})"


@contextlib.contextmanager
def started_worker(exercise, task: Task, interval: float) -> Iterator[tuple[object, list[threading.Thread]]]:
    """Make and start a worker, recording the threads it starts; stop it (bounded) and retire the task afterwards."""
    files = [exercise.__file__]
    with record_threads() as threads:
        worker = exercise.PeriodicWorker(task, interval)
        try:
            bounded(worker.start, what=f"{made(interval)}.start()", files=files, advice="start() should start the thread and return at once.")
            yield worker, threads
        finally:
            task.retired = True
            Call(worker.stop).finish(PROMPT)  # best effort: the check has already passed or failed; gives up once nothing moves


@contextlib.contextmanager
def thread_starts_held(exercise) -> Iterator[threading.Event]:
    """While the block runs, a ``Thread.start()`` called from the learner's file waits until the
    yielded event is set (at most GATE_LIMIT seconds) before it starts the thread: the moment
    between making a thread and starting it, which a busy machine can stretch, made long."""
    held = threading.Event()
    original = threading.Thread.start

    def start(self: threading.Thread) -> None:
        if sys._getframe(1).f_code.co_filename == exercise.__file__:
            held.wait(GATE_LIMIT)
        original(self)

    threading.Thread.start = start  # type: ignore[method-assign]
    try:
        yield held
    finally:
        held.set()
        threading.Thread.start = original  # type: ignore[method-assign]


def stop_and_look(worker, threads: list[threading.Thread]) -> tuple[float, list[threading.Thread]]:
    """Call worker.stop(); return how long it took and which of ``threads`` were alive when it returned."""
    started = time.monotonic()
    worker.stop()
    return time.monotonic() - started, [t for t in threads if t.is_alive()]
