"""Checks for exercise 03: run_all runs every task in its own thread, all at once, and joins them all."""

import contextlib
import functools
import threading

from kata.harness import (
    HOLD_OPEN,
    QUICK,
    Call,
    Company,
    describe_threads,
    expect,
    fail,
    fast_sleep,
    learner_threads,
    record_threads,
    short_joins,
    wait_until,
    where_threads_wait,
)

JOIN_ADVICE = "Does run_all wait for a thread that never ends, or join a thread before starting the next?"


def test_empty_input_is_fine(exercise):
    for tasks, shown in [([], "run_all([])"), (iter(()), "run_all(iter(()))")]:
        with running(exercise, tasks) as (call, started):
            got = call.result(what=shown, advice=JOIN_ADVICE)
        expect(got is None, f"{shown} returned {got!r}, expected None.")
        expect(not learner_threads(started), f"{shown} started {len(learner_threads(started))} thread(s) for no tasks.")


def test_tasks_run_at_the_same_time(exercise):
    n = 4
    arrived = []
    release, alone = threading.Event(), threading.Event()
    alone_with: list[int] = []  # how many tasks had started when one was seen alone
    company = Company()

    def meet(i):
        def task():
            arrived.append(threading.current_thread())
            # Bounded, in case run_all runs the tasks one by one; and over once no other task can start.
            if company.wait(release.wait, QUICK + HOLD_OPEN) is None and not alone.is_set():
                alone_with.append(len(arrived))
                alone.set()

        return task

    what = f"run_all({n} tasks that each wait until all {n} are running)"
    try:
        with running(exercise, [meet(i) for i in range(n)]) as (call, started):
            together = wait_until(lambda: len(arrived) == n or call.done() or alone.is_set(), QUICK) and len(arrived) == n
            if not together and call.done():
                call.result(what=what, advice=JOIN_ADVICE)  # re-raises the learner's exception, if any
                fail(f"{what} returned, but only {len(arrived)} of the {n} tasks had been called. Start one thread per task.")
            expect(
                together or call.thread not in arrived,
                f"{what}: the first task ran in the thread that called run_all, which then waited for it. "
                f"Pass the task itself to the thread (target=task, no parentheses), so the thread calls it.",
            )
            how_long = (
                "while the first ran, every other thread waited with no timeout, so no other could start"
                if alone.is_set() else f"after {QUICK:g} s"
            )
            expect(
                together,
                f"{what}: only {alone_with[0] if alone.is_set() else len(arrived)} of the {n} tasks had started, {how_long}: they do not run at the "
                "same time. Is each thread joined right after it is started? Start every thread first, then join them all.\n"
                "Where the threads are:\n" + where_threads_wait([exercise.__file__]),
            )
            release.set()
            call.result(what=what, advice=JOIN_ADVICE)
        expect_none_alive(started, what)
    finally:
        release.set()


def test_each_task_runs_in_its_own_thread(exercise):
    n = 5
    tasks = Tasks(n)
    what = f"run_all({n} quick tasks)"
    with running(exercise, tasks.all()) as (call, started):
        call.result(what=what, advice=JOIN_ADVICE)
    missing = [i for i in range(n) if i not in tasks.ran()]
    expect(not missing, f"{what}: tasks {missing} were never called. Every task must run once.")
    own = {id(t) for t in tasks.threads}
    expect(
        call.thread not in tasks.threads,
        f"{what}: some tasks ran in the thread that called run_all. Give every task its own threading.Thread, "
        "and pass the task itself (target=task, no parentheses) so that the new thread calls it.",
    )
    expect(len(own) == n, f"{what}: the {n} tasks ran in only {len(own)} different thread(s). Give every task its own threading.Thread.")
    expect_none_alive(started, what)


def check_waits_for_held_task(exercise, n, held, as_generator):
    tasks = Tasks(n, held=[held])
    order = "first" if held == 0 else "last" if held == n - 1 else f"task {held + 1}"
    given = f"a generator of {n} tasks" if as_generator else f"{n} tasks"
    what = f"run_all({given}; the {order} runs long, the others end at once)"
    quick = [i for i in range(n) if i != held]
    try:
        with running(exercise, (t for t in tasks.all()) if as_generator else tasks.all()) as (call, started):
            # Let every quick task end, then watch run_all for a while: it must still be waiting.
            # (The quick tasks never end here if run_all runs the tasks one by one; the check of
            # running at the same time catches that, so do not wait long for them.)
            wait_until(lambda: all(tasks.finished[i].is_set() for i in quick) or call.done() or tasks.alone.is_set(), 1.0)
            returned_early = call.wait(HOLD_OPEN)
            if returned_early:
                call.result(what=what, advice=JOIN_ADVICE)  # re-raises the learner's exception, if any
            still_running = held not in tasks.done()
            ran = len(tasks.ran())
            tasks.release()
            if returned_early and ran < n:
                fail(
                    f"{what}: run_all returned after calling only {ran} of the {n} tasks."
                    + (" A generator can be read only once: keep the threads you make from it in a list." if as_generator else "")
                )
            expect(
                not (returned_early and still_running),
                f"{what}: run_all returned while the long task was still running. It must wait for every thread it "
                "started: keep them all and join each one"
                + (" (a generator can be read only once, so keep the threads in a list)." if as_generator else ". Does it join only some of them, "
                   "give join() a timeout (a task may run longer than any timeout), or sleep instead of joining?"),
            )
            call.result(what=what, advice=JOIN_ADVICE)
        late = [i for i in range(n) if i not in tasks.done()]
        expect(not late, f"{what}: run_all returned before tasks {late} had finished. Join every thread you start.")
        expect_none_alive(started, what)
    finally:
        tasks.release()


def test_run_all_waits_for_the_slowest_task(exercise):
    check_waits_for_held_task(exercise, n=5, held=2, as_generator=False)


def test_run_all_reads_a_generator_once_and_waits_for_every_task(exercise):
    check_waits_for_held_task(exercise, n=4, held=0, as_generator=True)


def test_any_callable_is_a_task(exercise):
    ran = []

    class Job:
        """An object with __call__: callable, but it has no __name__."""

        def __call__(self, label="job"):
            ran.append((label, threading.current_thread()))

    tasks = [Job(), functools.partial(Job(), "partial"), Notes(ran).note]
    what = "run_all([an object with __call__, a functools.partial, a bound method])"
    with running(exercise, tasks) as (call, started):
        call.result(what=what, advice="Does run_all read task.__name__? Not every callable has one.")
    labels = sorted(label for label, _ in ran)
    expect(
        labels == ["job", "method", "partial"],
        f"{what} called {labels or 'none of them'}; expected each task once. A task may be any callable: a function, "
        "a bound method, a partial, an object with __call__.",
    )
    expect(call.thread not in [thread for _, thread in ran], f"{what}: some task ran in the thread that called run_all.")
    expect_none_alive(started, what)


def test_a_task_that_raises_does_not_cut_the_wait_short(exercise):
    n, held = 3, 2
    tasks = Tasks(n, held=[held])
    broken = tasks.task(0)

    def failing():
        broken()
        raise SystemExit("task 0 gave up")  # ends its thread quietly, as any exception ends a thread

    what = "run_all([a task that raises SystemExit, a quick task, a long task])"
    try:
        with running(exercise, [failing, *tasks.all()[1:]]) as (call, started):
            wait_until(lambda: all(tasks.finished[i].is_set() for i in range(held)) or call.done() or tasks.alone.is_set(), 1.0)
            returned_early = call.wait(HOLD_OPEN)
            still_running = held not in tasks.done()
            tasks.release()
            expect(
                not (returned_early and still_running),
                f"{what}: run_all {'raised' if call.error is not None else 'returned'} while the long task was still running. "
                "A task that raises ends only its own thread: still join every thread you started, whatever the tasks do.",
            )
            call.outcome(what=what, advice=JOIN_ADVICE, catch=(SystemExit,))  # passing the task's exception on is allowed
        expect_none_alive(started, what)
    finally:
        tasks.release()

# Helpers of the checks above: this exercise's own story ---------------------------------------


class Tasks:
    """Tasks for run_all that record where and whether they ran; the ones in ``held`` wait for :meth:`release`."""

    def __init__(self, n, held=()):
        self.n = n
        self.threads = [None] * n
        self.finished = [threading.Event() for _ in range(n)]
        self.held = set(held)
        self.gate = threading.Event()
        #: Set once a held task has seen that no other task can start while it holds.
        self.alone = threading.Event()
        self._company = Company()

    def task(self, i):
        def task():
            self.threads[i] = threading.current_thread()
            if i in self.held:
                # Bounded: a wrong run_all must not leave it waiting forever.
                if self._company.wait(self.gate.wait, QUICK + HOLD_OPEN) is None:
                    self.alone.set()
                    self.gate.wait(QUICK + HOLD_OPEN)  # still held: the check watches whether run_all returns meanwhile
            self.finished[i].set()

        task.__name__ = task.__qualname__ = f"task{i}"
        return task

    def all(self):
        return [self.task(i) for i in range(self.n)]

    def release(self):
        self.gate.set()

    def ran(self):
        return [i for i in range(self.n) if self.threads[i] is not None]

    def done(self):
        return [i for i in range(self.n) if self.finished[i].is_set()]


class Notes:
    """Holds a bound method for a task: ``note`` records that it ran and where."""

    def __init__(self, ran):
        self.ran = ran

    def note(self):
        self.ran.append(("method", threading.current_thread()))


@contextlib.contextmanager
def running(exercise, tasks):
    """Call run_all(tasks) in a watched thread, recording the threads it starts; ``time.sleep`` in
    the learner's file returns at once and a ``join(timeout)`` there gives up at once, so a sleep
    or a timeout that stands in for waiting as long as it takes shows up every time."""
    with fast_sleep(exercise), short_joins(exercise), record_threads() as started:
        call = Call(exercise.run_all, tasks)
        yield call, started


def expect_none_alive(started, what):
    alive = [t for t in learner_threads(started) if t.is_alive()]
    expect(
        not alive,
        f"{what}: run_all returned, but {len(alive)} thread(s) it started were still running: {describe_threads(alive)}. "
        "Join every thread you start before returning.",
    )
