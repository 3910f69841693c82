"""Hidden checks for exercise 03: the same behaviours as the public checks, tried in other ways."""

import functools
import threading

from kata.harness import HOLD_OPEN, QUICK, Call, Company, expect, fast_sleep, learner_threads, record_threads, short_joins, wait_until

ADVICE = "Does run_all wait for a thread that never ends, or join a thread before starting the next?"


def run_with_held(exercise, tasks, gate, quick_done, passed_on=()):
    """run_all(tasks) in a watched thread; once the quick tasks are done, whether it returned within HOLD_OPEN.
    An exception of a type in ``passed_on`` may come out of run_all (a task's, passed on)."""
    with fast_sleep(exercise), short_joins(exercise), record_threads() as started:
        call = Call(exercise.run_all, tasks)
        try:
            wait_until(lambda: quick_done() or call.done(), 1.0)
            early = call.wait(HOLD_OPEN)
        finally:
            gate.set()
        call.outcome(what="run_all(...)", advice=ADVICE, catch=passed_on)  # any other exception is raised here
    return early, learner_threads(started)


def test_a_single_task_is_waited_for(exercise):
    """run_all with a single long task returns only after it has finished."""
    gate, finished = threading.Event(), threading.Event()

    def only():
        gate.wait(QUICK + HOLD_OPEN)
        finished.set()

    early, started = run_with_held(exercise, (t for t in [only]), gate, lambda: True)
    expect(not early, "run_all(a generator of one long task) returned while that task was still running. Join every thread you start, without a timeout.")
    expect(finished.is_set() and not any(t.is_alive() for t in started), "run_all(one task) returned before its thread had ended.")


def last_one_slow(n, gate, done, exits=None):
    """Task i of n: the last waits for ``gate``; each sets ``done[i]``; task ``exits`` then ends in SystemExit."""

    def task(i):
        def run():
            if i == n - 1:
                gate.wait(QUICK + HOLD_OPEN)
            done[i].set()
            if i == exits:
                raise SystemExit(f"task {i + 1} gave up")  # ends its thread quietly, as any exception ends a thread

        return run

    return task


def test_many_tasks_with_the_last_one_slow(exercise):
    """run_all with twelve tasks, given as a tuple, waits for the last and slowest one."""
    n = 12
    gate = threading.Event()
    done = [threading.Event() for _ in range(n)]
    task = last_one_slow(n, gate, done)
    early, started = run_with_held(exercise, tuple(task(i) for i in range(n)), gate, lambda: all(e.is_set() for e in done[:-1]))
    expect(not early, f"run_all({n} tasks, the last one slow) returned while the last task was still running.")
    expect(all(e.is_set() for e in done), f"run_all({n} tasks) returned before tasks {[i for i in range(n) if not done[i].is_set()]} had run to the end.")
    expect(len({id(t) for t in started}) >= n, f"run_all({n} tasks) started {len(started)} thread(s), expected one per task.")
    expect(not any(t.is_alive() for t in started), f"run_all({n} tasks) returned while some of its threads were still alive.")


def test_tasks_from_a_map_object_all_meet(exercise):
    """Tasks given as a one-shot map object all run at the same time."""
    n = 6
    arrived, met, all_in, alone = [], [], threading.Event(), threading.Event()
    company = Company()

    def meet(_):
        def run():
            arrived.append(1)
            if len(arrived) == n:
                all_in.set()
            met_all = not alone.is_set() and company.wait(all_in.wait, QUICK)  # not the whole bound once no other task can start
            if met_all:
                met.append(1)
            elif met_all is None:
                alone.set()  # the rest need not wait as well

        return run

    with record_threads():
        call = Call(exercise.run_all, map(meet, range(n)))
        outcome = call.outcome(what=f"run_all(map(...)) of {n} tasks that meet at a barrier", advice=ADVICE, limit=QUICK + HOLD_OPEN)
    expect(not outcome.raised, f"run_all(map(...)) of {n} tasks raised {outcome.error!r}.")
    expect(
        len(met) == n,
        f"run_all(map(...)) of {n} tasks that wait for each other: only {len(met)} got past the meeting point. "
        "Start every thread before joining any, and read the iterable once.",
    )


def test_bound_methods_and_partials_from_a_generator_all_run(exercise):
    """Tasks that are bound methods and functools.partial objects, given as a generator, each run once in a thread of their own."""
    ran = []

    class Box:
        def __init__(self, label):
            self.label = label

        def fill(self, suffix=""):
            ran.append((self.label + suffix, threading.current_thread()))

    tasks = (functools.partial(Box(f"p{i}").fill, "!") if i % 2 else Box(f"m{i}").fill for i in range(6))
    with fast_sleep(exercise), short_joins(exercise), record_threads() as started:
        call = Call(exercise.run_all, tasks)
        call.result(what="run_all(a generator of bound methods and partials)", advice=ADVICE)
    labels = sorted(label for label, _ in ran)
    expected = sorted(f"p{i}!" if i % 2 else f"m{i}" for i in range(6))
    expect(labels == expected, f"run_all(a generator of 6 bound methods and partials) ran {labels}, expected {expected}.")
    expect(len({id(t) for _, t in ran}) == 6 and not any(t.is_alive() for t in learner_threads(started)),
           "run_all(6 bound methods and partials): each task must run in a thread of its own, all ended when run_all returns.")


def test_a_task_ending_in_system_exit_among_others_from_a_generator(exercise):
    """Five tasks from a generator, the second ending in SystemExit and the last slow: run_all waits for the slow one."""
    n = 5
    gate = threading.Event()
    done = [threading.Event() for _ in range(n)]
    task = last_one_slow(n, gate, done, exits=1)
    early, started = run_with_held(exercise, (task(i) for i in range(n)), gate, lambda: all(e.is_set() for e in done[:-1]), passed_on=(SystemExit,))
    expect(not early, "run_all(5 tasks from a generator, the second ending in SystemExit, the last slow) ended while the last task was still running.")
    alive = [t for t in started if t.is_alive()]
    expect(not alive, "run_all(5 tasks, one ending in SystemExit) ended while some of its threads were still alive.")
