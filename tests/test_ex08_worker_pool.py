"""Checks for exercise 08: WorkerPool starts n workers once, reuses them, and shuts down cleanly."""

from __future__ import annotations

import concurrent.futures.thread  # noqa: F401 — imported before forced races swap threading.Lock (it registers a lock at import)
import functools
import threading
import time
from collections import Counter as Tally

import pytest

from kata.explorer import Plan
from kata.harness import (
    EARLY,
    GATE_LIMIT,
    QUICK,
    Call,
    Gauge,
    Outcome,
    calls,
    describe_threads,
    executors_made,
    expect,
    forced_races,
    learner_threads,
    real_sleep,
    record_threads,
    run_together,
    said,
    said_briefly,
    settle,
)
from kata.harness.scenarios import scenario
from kata.harness.stepping import at_every_step, sit_still

N = 3
#: What shutdown() gets once nothing is left to run: it only has to stop idle workers.
SHUTDOWN_LIMIT = 1.0
#: How long each of the short tasks takes that keep finishing while result(timeout) waits, and how many there are (a stream longer than DEADLINE_BOUND).
STREAM_TASK = 0.01
STREAM_TASKS = 80
#: How long result(0.1) may take to raise while other tasks keep finishing.
DEADLINE_BOUND = 0.5
#: How many times N threads submit a task each at the same moment, with thread switches forced.
ROUNDS = 40
STUCK_ADVICE = "Is a worker waiting for something that never comes?"
#: How long the first N tasks keep running together once N run, so that a task beyond N, if the
#: pool lets one start, is seen beside them: a pool that starts too many starts them at once.
GAUGE_SETTLE = 0.05

# The harness's bounded calls, giving this exercise's advice when they hang.
outcome = functools.partial(calls.outcome, advice=STUCK_ADVICE)
bounded = functools.partial(calls.bounded, advice=STUCK_ADVICE)


def test_exactly_n_workers_start_with_the_pool(exercise, pools):
    pool, workers, executors = pools(N)
    expect(
        not executors,
        f"WorkerPool({N}) created a concurrent.futures.ThreadPoolExecutor. This exercise is about building "
        "the pool yourself: start your own threading.Thread workers and feed them through a queue.Queue.",
    )
    expect(
        len(workers) == N,
        f"WorkerPool({N}) started {len(workers)} thread(s) while it was being made; expected exactly {N}. "
        "Start all the workers in __init__, before any task arrives: n_workers of them, no more.",
    )
    ended = [w for w in workers if not w.is_alive()]
    expect(
        not ended,
        f"Right after WorkerPool({N}) returned, worker thread(s) {describe_threads(ended)} had already ended. "
        "A worker should loop: wait for a task, run it, wait for the next one.",
    )


def test_every_task_runs_in_one_of_the_n_workers(exercise, pools):
    pool, workers, _ = pools(N)
    count = 5 * N
    with record_threads() as started, executors_made() as executors:
        handles = bounded(lambda: [pool.submit(threading.current_thread) for _ in range(count)], what=f"{count} calls of submit()")
        ran_in = results(f"Collecting the results of {count} tasks", exercise, handles)
    extra = learner_threads(started)
    expect(
        not extra and not executors,
        f"Submitting {count} tasks to WorkerPool({N}) started {len(extra)} more thread(s)"
        + (" through a concurrent.futures.ThreadPoolExecutor" if executors else "")
        + f". The pool's {N} workers should run every task: submit() only puts the task on the queue, it never starts a thread.",
    )
    errors = [e for e in ran_in if isinstance(e, BaseException)]
    expect(not errors, f"WorkerPool({N}), {count} quick tasks: result() raised {errors[0]!r}" if errors else "")
    strangers = {t for t in ran_in if t not in workers}
    expect(
        not strangers,
        f"{count} tasks ran in thread(s) {describe_threads(strangers)}, which are not among the {N} workers that "
        f"WorkerPool({N}) started. submit() should hand each task to the workers, not run it itself.",
    )


def test_n_tasks_run_at_the_same_time(exercise, pools):
    gauge = gauge_tasks(exercise, pools)
    expect(
        gauge.peak >= N and not gauge.timed_out,
        f"WorkerPool({N}) with {3 * N} tasks: at most {gauge.peak} task(s) ran at the same time; expected {N}, "
        f"one in each worker (the first tasks waited {gauge.patience:g} s for the others). Do all {N} workers "
        "take tasks from the same queue, each running its own task without waiting for the others?",
    )


def test_never_more_than_n_tasks_at_once(exercise, pools):
    gauge = gauge_tasks(exercise, pools)
    expect(
        gauge.peak <= N,
        f"WorkerPool({N}) with {3 * N} tasks: {gauge.peak} tasks ran at the same time, but the pool has only "
        f"{N} workers. Tasks must run only in the {N} worker threads, one task per worker at a time.",
    )


def test_result_returns_the_task_value(exercise, pools):
    pool, _, _ = pools(2)
    calls = [
        ("submit(pow, 2, 10)", (pow, 2, 10), 1024),
        ("submit(lambda *a: a, 1, 'two', None)", (lambda *a: a, 1, "two", None), (1, "two", None)),
        ("submit(dict)", (dict,), {}),
    ]
    handles = bounded(lambda: [pool.submit(*args) for _, args, _ in calls], what="submit()")
    got = results("handle.result()", exercise, handles)
    for (call, _, expected), value in zip(calls, got):
        expect(value == expected, f"pool.{call}.result() returned {value!r}, expected {expected!r}.")
    again = results("Calling handle.result() a second time", exercise, handles)
    expect(again == got, f"Calling result() a second time on the same handles returned {again!r}, expected {got!r} again.")


def test_result_raises_the_task_exception(exercise, pools):
    pool, _, _ = pools(2)
    error = ValueError("task 7 failed")
    handle = bounded(pool.submit, raiser(error), what="submit()")
    got = outcome(handle.result, advice=STUCK_ADVICE, what="handle.result() for a task that raised").error
    expect(
        isinstance(got, ValueError) and str(got) == str(error),
        "A task raised ValueError('task 7 failed'); its handle.result() "
        + ("returned normally" if got is None else f"raised {type(got).__name__}({str(got)!r})")
        + ", expected it to raise that same ValueError. Catch the exception in the worker, store it in the "
        "handle, and raise it again in result().",
    )


class Abort(BaseException):
    """Not an Exception: a worker that catches only Exception lets it escape and dies."""


def test_every_kind_of_exception_comes_back_and_a_returned_exception_is_a_value(exercise, pools):
    pool, workers, _ = pools(1)
    value = KeyError("a value, not an error")
    handles = bounded(lambda: [pool.submit(raiser(Abort("task stopped"))), pool.submit(lambda: value), pool.submit(pow, 3, 2)], what="submit()")
    got = [first_outcome(handles[0], workers)]
    aborted = got[0].error
    expect(
        isinstance(aborted, Abort) and str(aborted) == "task stopped",
        "A task raised Abort('task stopped'), where Abort is a BaseException but not an Exception; its handle.result() "
        + (f"raised {type(aborted).__name__}({str(aborted)!r})" if aborted is not None else f"returned {got[0].value!r}")
        + (f" and the only worker {'had ended' if not workers[0].is_alive() else 'was still alive'}" if workers else "")
        + ". Catch every exception around the task (except BaseException) and hand it to the handle, so the worker lives on.",
    )
    got += [outcome(h.result, SHUTDOWN_LIMIT, what="handle.result()", limit=SHUTDOWN_LIMIT + 1.0) for h in handles[1:]]  # once the worker lived on
    expect(
        got[1] == (value, None),
        f"A task returned the exception object {value!r} (it did not raise it); its handle.result() {said(got[1])}, expected it "
        "returned like any value. Keep whether the task raised apart from what it returned.",
    )
    expect(got[2] == (9, None), f"After those two, pool.submit(pow, 3, 2).result() {said(got[2])}, expected 9: the worker should go on to the next task.")


def test_many_threads_waiting_on_one_handle_all_get_the_result(exercise, pools):
    pool, _, _ = pools(1)
    gate = threading.Event()
    try:
        handle = bounded(pool.submit, lambda: gate.wait(GATE_LIMIT) and "done", what="submit()")
        waiters = [Call(handle.result, QUICK) for _ in range(4)]
        for waiter in waiters:
            settle(waiter)
    finally:
        gate.set()
    deadline = time.monotonic() + SHUTDOWN_LIMIT
    for waiter in waiters:
        waiter.wait(max(0.0, deadline - time.monotonic()))
    got = [Outcome(w.value, w.error) if w.done() else None for w in waiters]
    stuck = got.count(None)
    expect(
        not stuck,
        f"4 threads called result() on one handle while its task ran; when the task returned 'done', {stuck} of them were still "
        f"waiting {SHUTDOWN_LIMIT:g} s later. Finishing a task must wake every thread waiting for it (Event.set, or notify_all).",
    )
    expect(all(g == ("done", None) for g in got), f"4 threads waited on one handle whose task returned 'done': result() gave {[said(g) for g in got]}.")


def test_tasks_submitted_from_many_threads_at_once_each_run_once(exercise, pools):
    # Round after round, N threads submit one task each at the same moment, with thread switches
    # forced: each round ends with workers racing for the last task in the queue.
    submitters, each = N, ROUNDS
    ran = []
    with forced_races(exercise):
        pool, workers, _ = pools(N)
        handles = []
        for i in range(each):
            handles += run_together(
                [lambda t=t: pool.submit(ran.append, (t, i)) for t in range(submitters)],
                what=f"{submitters} threads each calling submit() at once",
                advice=STUCK_ADVICE,
            )
            got = results(f"Collecting the results of {submitters} tasks submitted at once", exercise, handles[-submitters:])
            if any(isinstance(e, BaseException) for e in got) or not all(w.is_alive() for w in workers):
                break
        got = results(f"Collecting the results of {len(handles)} tasks", exercise, handles)
    errors = [e for e in got if isinstance(e, BaseException)]
    expect(not errors, f"WorkerPool({N}), {submitters} threads submitting {each} tasks each at once: result() raised {errors[0]!r}" if errors else "")
    tally = Tally(ran)
    twice = sorted(task for task, n in tally.items() if n > 1)
    never = sorted({(t, i) for t in range(submitters) for i in range(each)} - set(tally))
    scene = f"WorkerPool({N}): {submitters} threads submitted a task each at the same moment, {each} times over"
    expect(
        not twice and not never,
        f"{scene}; {len(twice)} tasks ran more than once (e.g. {twice[:3]}) and {len(never)} never ran (e.g. {never[:3]}). "
        "Take each task off the queue in one step, under the lock.",
    )
    dead = [w for w in workers if not w.is_alive()]
    expect(
        not dead,
        f"{scene}; afterwards worker thread(s) {describe_threads(dead)} had ended, though the pool was not shut down. A worker "
        "loops until it is told to stop: after every wakeup it checks again (under the lock) whether a task is there, and waits again if not.",
    )


def test_result_with_a_timeout_raises_timeout_error_promptly(exercise, pools):
    pool, _, _ = pools(2)
    gate = threading.Event()
    try:
        handle = bounded(pool.submit, gate.wait, GATE_LIMIT, what="submit()")
        started = time.monotonic()
        got = outcome(
            handle.result,
            timeout=0.1,
            advice="result() must give up after `timeout` seconds.",
            what="handle.result(timeout=0.1) for a task still running",
        ).error
        elapsed = time.monotonic() - started
    finally:
        gate.set()
    expect(
        isinstance(got, TimeoutError),
        "handle.result(timeout=0.1) for a task that had not finished "
        + ("returned normally" if got is None else f"raised {type(got).__module__}.{type(got).__qualname__}")
        + ", expected the built-in TimeoutError. Event.wait(timeout) tells you whether the wait timed out.",
    )
    expect(elapsed < 1.5, f"handle.result(timeout=0.1) took {elapsed:.2f} s to raise TimeoutError; expected about 0.1 s.")
    done = results("handle.result() after the task was let go", exercise, [handle])
    expect(done == [True], f"After the task was let go, handle.result() gave {done[0]!r}, expected True (what the task returned).")


def test_result_with_timeout_zero_raises_at_once_for_a_running_task(exercise, pools):
    pool, _, _ = pools(1)
    gate = threading.Event()
    try:
        handle = bounded(pool.submit, gate.wait, GATE_LIMIT, what="submit()")
        asked = Call(handle.result, timeout=0)
        returned = asked.wait(EARLY)
    finally:
        gate.set()
    expect(
        returned,
        f"handle.result(timeout=0) for a task still running had not returned {EARLY:g} s later: it waited for the task. "
        "A timeout of 0 means look once, then raise TimeoutError. Is 0 taken for None somewhere (`timeout or None`, "
        "`if timeout:`)? Test `timeout is None` instead.",
    )
    got = asked.outcome(what="handle.result(timeout=0) for a task still running")
    expect(
        isinstance(got.error, TimeoutError),
        f"handle.result(timeout=0) for a task still running {said(got)}, expected the built-in TimeoutError at once.",
    )


def test_result_timeout_is_one_deadline_while_other_tasks_keep_finishing(exercise, pools):
    pool, _, _ = pools(2)
    gate, stop = threading.Event(), threading.Event()
    timeout = 0.1

    def short():
        if not stop.is_set():
            real_sleep(STREAM_TASK)

    try:
        held = bounded(pool.submit, gate.wait, GATE_LIMIT, what="submit()")
        bounded(lambda: [pool.submit(short) for _ in range(STREAM_TASKS)], what="submit()")
        started = time.monotonic()
        asked = Call(held.result, timeout=timeout)
        returned = asked.wait(DEADLINE_BOUND)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        gate.set()
    expect(
        returned,
        f"handle.result(timeout={timeout:g}) for a task still running, while the pool's other worker finished a short "
        f"task every {STREAM_TASK:g} s: it had not returned {DEADLINE_BOUND:g} s later. A timeout is one deadline for the "
        "whole call: if result() is woken early (by another task finishing, say) and waits again, it must wait only for "
        "the time that is left, not the whole timeout again (Condition.wait_for(predicate, timeout) counts down for you).",
    )
    got = asked.outcome(what=f"handle.result(timeout={timeout:g}) for a task still running")
    expect(
        isinstance(got.error, TimeoutError),
        f"handle.result(timeout={timeout:g}) for a task still running, while other tasks kept finishing, {said(got)} after "
        f"{elapsed:.2f} s, expected the built-in TimeoutError after about {timeout:g} s.",
    )

def test_a_raising_task_does_not_kill_its_worker(exercise, pools):
    pool, workers, _ = pools(N)
    failing = bounded(lambda: [pool.submit(raiser(ValueError(f"task {i} failed"))) for i in range(N)], what="submit()")
    got = results(f"Collecting the results of {N} tasks that raised", exercise, failing)
    expect(all(isinstance(e, ValueError) for e in got), f"{N} tasks raised ValueError; their handles gave {got!r}, expected those ValueErrors.")
    barrier = threading.Barrier(N, timeout=QUICK)
    after = bounded(lambda: [pool.submit(barrier.wait) for _ in range(N)], what="submit()")
    got = results(
        f"After {N} tasks raised, {N} tasks that wait for each other", exercise, after, advice="Did the workers die with the exceptions?", workers=workers
    )
    dead = [w for w in workers if not w.is_alive()]
    expect(
        not dead and not any(isinstance(e, BaseException) for e in got),
        f"WorkerPool({N}): after {N} tasks raised ValueError, {N} more tasks could no longer run at the same time"
        + (f" — worker thread(s) {describe_threads(dead)} had ended" if dead else "")
        + ". A task's exception must not end its worker: catch it around the call, hand it to the handle, and "
        "go on to the next task.",
    )


def test_shutdown_finishes_queued_tasks_then_joins_every_worker(exercise, pools):
    pool, workers, _ = pools(2)
    gate = threading.Event()
    done: list[int] = []

    def blocked(i: int) -> None:
        gate.wait(GATE_LIMIT)
        real_sleep(0.05)  # still running a moment after the gate opens
        done.append(i)

    try:
        bounded(lambda: [pool.submit(blocked, i) for i in range(2)] + [pool.submit(done.append, i) for i in range(2, 6)], what="submit()")
        shutdown = Call(pool.shutdown)
        returned_early = shutdown.wait(EARLY)
    finally:
        gate.set()
    if returned_early and shutdown.error is not None:
        raise shutdown.error
    expect(
        not returned_early,
        "shutdown() returned while 2 tasks were still running and 4 more were queued. With wait=True it must "
        "return only after the workers have finished every queued task and exited: join each worker.",
    )
    error = shutdown.outcome(
        what="shutdown(), after the running tasks were let go,",
        limit=SHUTDOWN_LIMIT,
        advice="Every worker has to be told to stop: with 2 workers, does each of them get its own stop signal?",
    ).error
    if error is not None:
        raise error
    expect(
        sorted(done) == list(range(6)),
        f"shutdown() returned, but of the 6 submitted tasks only {sorted(done)} ran. Tasks queued before "
        "shutdown() must still run: put the stop signals behind them in the queue.",
    )
    alive = [w for w in workers if w.is_alive()]
    expect(
        not alive,
        f"shutdown() returned while worker thread(s) {describe_threads(alive)} were still running. With "
        "wait=True, join every worker before returning.",
    )


def test_a_second_shutdown_while_one_runs_also_returns_only_when_the_pool_is_done(exercise, pools):
    pool, workers, _ = pools(2)
    gate = threading.Event()
    done: list[int] = []

    def blocked(i: int) -> None:
        gate.wait(GATE_LIMIT)
        done.append(i)

    def second_shutdown():
        pool.shutdown()
        return sorted(done), [w for w in workers if w.is_alive()]  # as it was when the second shutdown() returned

    try:
        bounded(lambda: [pool.submit(blocked, i) for i in range(2)] + [pool.submit(done.append, i) for i in range(2, 4)], what="submit()")
        first = Call(pool.shutdown)
        sit_still(first)
        second = Call(second_shutdown)
        sit_still(second)
    finally:
        gate.set()
    for call, which in ((first, "The first shutdown()"), (second, "A second shutdown(), called while the first was waiting,")):
        error = call.outcome(what=f"{which}, after the running tasks were let go,", limit=SHUTDOWN_LIMIT).error
        if error is not None:
            raise error
    ran, alive = second.value
    expect(
        ran == list(range(4)) and not alive,
        "A thread called shutdown() while 2 tasks were running and 2 more were queued, and while it waited another thread "
        f"called shutdown() too. The second shutdown() returned when only tasks {ran} of 0 … 3 had run"
        + (f" and worker thread(s) {describe_threads(alive)} were still running" if alive else "")
        + ". With wait=True, every shutdown() returns only after the queued tasks have run and every worker has been "
        "joined, even when another thread has begun shutting the pool down: do not return early when the pool is "
        "already closing; join the workers anyway.",
    )

def test_shutdown_without_wait_returns_at_once_and_the_workers_still_finish(exercise, pools):
    pool, workers, _ = pools(2)
    gate = threading.Event()
    try:
        handles = bounded(lambda: [pool.submit(gate.wait, GATE_LIMIT) for _ in range(4)], what="submit()")
        error = outcome(
            pool.shutdown,
            wait=False,
            advice="With wait=False, shutdown must not wait for the workers.",
            what="shutdown(wait=False), with tasks still running,",
        ).error
    finally:
        gate.set()
    expect(error is None, f"shutdown(wait=False) raised {error!r}")
    got = results("The tasks queued before shutdown(wait=False)", exercise, handles, advice="Tasks queued before shutdown must still run.")
    expect(got == [True] * 4, f"shutdown(wait=False) with 4 tasks queued: their handles gave {got!r}, expected each task to run (True).")
    alive, later = calls.ended(workers, SHUTDOWN_LIMIT)
    expect(
        not alive,
        f"After shutdown(wait=False) and the last task, worker thread(s) {describe_threads(alive)} were still "
        f"running {later}. Every worker must get a stop signal and exit, even if nobody waits for it.",
    )


def test_submit_after_shutdown_raises_runtime_error(exercise, pools):
    pool, _, _ = pools(2)
    error = outcome(pool.shutdown, limit=SHUTDOWN_LIMIT, what="shutdown()").error
    expect(error is None, f"shutdown() raised {error!r}")
    error = outcome(pool.shutdown, limit=SHUTDOWN_LIMIT, advice="Calling shutdown() again should do nothing more.", what="A second shutdown()").error
    expect(error is None, f"Calling shutdown() a second time raised {error!r}; it should do nothing more.")
    error = outcome(pool.submit, print, "never printed", what="submit() after shutdown()").error
    expect(
        isinstance(error, RuntimeError),
        "pool.submit() after pool.shutdown() "
        + ("returned normally" if error is None else f"raised {type(error).__name__}({str(error)!r})")
        + ": expected RuntimeError. The workers are gone, so the task would never run; say so instead of "
        "accepting it.",
    )


def test_a_submit_racing_shutdown_raises_or_has_its_task_run(exercise, pools):
    """submit() is stopped before each of its steps in turn while shutdown() runs: every time it
    must either raise RuntimeError or return a handle whose task runs."""
    made = []

    def pair():
        pool, workers, _ = pools(2)
        made.append(workers)
        return (lambda: pool.submit(pow, 2, 5)), pool.shutdown

    for meeting in at_every_step(exercise.__file__, pair):
        scene = f"WorkerPool(2): submit(pow, 2, 5) was stopped at line {meeting.line} of your file while shutdown() ran"
        stopped = meeting.second.outcome(what=f"shutdown(), while a submit() was stopped at line {meeting.line},", limit=SHUTDOWN_LIMIT + 1.0).error
        if stopped is not None:
            raise stopped
        got = meeting.first.outcome(what=f"submit(pow, 2, 5), stopped at line {meeting.line} while shutdown() ran,", catch=(Exception,))
        if got.raised:
            expect(isinstance(got.error, RuntimeError), f"{scene}; then submit() raised {got.error!r}, expected RuntimeError (or a handle whose task runs).")
            continue
        value = result_unless_orphaned(got.value)
        gone = value is None or not any(w.is_alive() for w in made[-1])
        expect(
            value == (32, None),
            f"{scene}; both returned, submit() with a handle, but handle.result({SHUTDOWN_LIMIT:g}) "
            + ("went on waiting" if value is None else "raised TimeoutError" if isinstance(value.error, TimeoutError)
               else f"gave {value.value!r}" if not value.raised else f"raised {value.error!r}")
            + (", and every worker had already exited: the task went into the queue behind the stop signals. " if gone else ". ")
            + "A submit() racing shutdown() must either raise RuntimeError or have its task run: test the closed flag "
            "and queue the task in one step, under the lock shutdown() holds while it closes the pool.",
        )


#: How long each look at a handle's result waits, while the check watches whether any thread is left to run its task.
RESULT_LOOK = 0.05


def result_unless_orphaned(handle) -> Outcome | None:
    """What ``handle.result()`` gives within SHUTDOWN_LIMIT, asked in looks of RESULT_LOOK seconds; or
    None sooner, once a look times out with every thread the learner's code started in this check
    ended: no thread is left to run the task, so no later look can find it done."""
    deadline = time.monotonic() + SHUTDOWN_LIMIT
    while True:
        got = outcome(handle.result, RESULT_LOOK, what=f"handle.result({RESULT_LOOK:g})", limit=RESULT_LOOK + 1.0)
        if not isinstance(got.error, TimeoutError) or time.monotonic() >= deadline:
            return got
        if not any(t.is_alive() for t in learner_threads(calls.check_threads())):
            return None


def test_a_with_block_shuts_the_pool_down(exercise, pools):
    def use():
        pool = exercise.WorkerPool(2)
        with pool as entered:
            handles = [entered.submit(lambda i: real_sleep(0.02) or i * i, i) for i in range(4)]
        return pool, entered, handles

    with record_threads() as started:
        pool, entered, handles = bounded(
            use,
            advice="The end of the block runs __exit__; the lines below show where it and the workers stood.",
            what="A `with WorkerPool(2) as pool:` block",
        )
    expect(entered is pool, f"`with WorkerPool(2) as pool:` bound pool to {entered!r}, expected the WorkerPool itself: __enter__ should return self.")
    alive = [t for t in learner_threads(started) if t.is_alive()]
    expect(
        not alive,
        f"After the `with WorkerPool(2) as pool:` block, thread(s) {describe_threads(alive)} were still running: "
        "__exit__ should shut the pool down and wait for the workers.",
    )
    got = results("The tasks submitted inside the with block", exercise, handles)
    expect(got == [0, 1, 4, 9], f"Tasks returning i * i for i in 0 … 3, submitted inside the with block: the handles gave {got!r}, expected [0, 1, 4, 9].")
    error = outcome(pool.submit, print, "never printed", what="submit() after the with block").error
    expect(
        isinstance(error, RuntimeError),
        f"pool.submit() after the with block {'returned normally' if error is None else f'raised {error!r}'}: "
        "expected RuntimeError, because leaving the block shuts the pool down.",
    )


def test_fewer_than_one_worker_is_a_value_error(exercise):
    for n in (0, -1):
        with record_threads() as started:
            error = outcome(exercise.WorkerPool, n, what=f"WorkerPool({n})").error
        expect(
            isinstance(error, ValueError),
            f"WorkerPool({n}) "
            + ("returned normally" if error is None else f"raised {type(error).__name__}({str(error)!r})")
            + ": expected ValueError, since a pool needs at least one worker.",
        )
        expect(not learner_threads(started), f"WorkerPool({n}) started thread(s) before raising; check n_workers first.")

# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly.


@scenario("test_explorer_finds_a_submit_racing_shutdown_raises_or_runs", finds=["closed_checked_outside_the_lock"])
def submit_racing_shutdown():
    """WorkerPool(1): thread A calls submit(str.upper, 'ran') and then its handle's result(timeout=1), while thread B calls shutdown()."""

    def scenario(module):
        pool = module.WorkerPool(1)

        def submit():
            submitted = Outcome.of(pool.submit, str.upper, "ran", catch=(RuntimeError,))
            if submitted.raised:
                return submitted, None
            return submitted, Outcome.of(submitted.value.result, 1, catch=(BaseException,))

        def verdict(results, run):
            submitted, result = results["A"]
            if submitted.raised or result == Outcome("RAN"):
                return None
            return (
                "WorkerPool(1): thread A called submit(str.upper, 'ran') while thread B called shutdown(). submit() returned "
                f"a handle, and its result(timeout=1) {said_briefly(result)}; expected 'RAN', or submit() raising RuntimeError. "
                "The task went into the queue after the pool had closed: test the closed flag and queue the task in one "
                "step, under the lock shutdown() holds while it closes the pool."
            )

        return Plan({"A": submit, "B": pool.shutdown}, verdict, advice="A submit() racing shutdown() must either raise RuntimeError or have its task run.")

    return scenario

# Helpers of the checks above: this exercise's own story ---------------------------------------


def results(what: str, exercise, handles, advice: str = STUCK_ADVICE, workers=None) -> list:
    """Each handle's ``result()``: its value, or the exception it raised (all within one time budget).

    With ``workers`` (the pool's threads), a handle still unfinished once every one of them has
    ended is not waited for any longer: only a worker runs a task, so none can finish it.
    """
    __tracebackhide__ = True

    def collect() -> list:
        deadline = time.monotonic() + QUICK
        got = []
        for handle in handles:
            while True:
                left = max(0.01, deadline - time.monotonic())
                try:
                    got.append(handle.result(min(left, 0.05) if workers else left))
                except NotImplementedError:
                    raise
                except TimeoutError as error:
                    if workers and left > 0.05 and any(w.is_alive() for w in workers):
                        continue
                    got.append(error)
                except BaseException as error:
                    got.append(error)
                break
        return got

    return bounded(collect, advice=advice, limit=QUICK + 1.0, what=what)


def first_outcome(handle, workers) -> Outcome:
    """``handle.result()`` asked for up to SHUTDOWN_LIMIT seconds in all, a short wait at a time, and
    no longer once every one of ``workers`` has ended: only a worker runs a task, so none could finish it."""
    __tracebackhide__ = True
    deadline = time.monotonic() + SHUTDOWN_LIMIT
    while True:
        step = max(0.01, min(0.05, deadline - time.monotonic()))
        got = outcome(handle.result, step, what="handle.result()", limit=step + 1.0)
        if not isinstance(got.error, TimeoutError) or time.monotonic() >= deadline or not any(w.is_alive() for w in workers):
            return got


def raiser(error: BaseException):
    def task() -> None:
        raise error

    return task


@pytest.fixture
def pools(exercise):
    """Make pools and record the threads each one starts; shut every one down after the check."""
    made = []

    def make(n: int):
        with record_threads() as started, executors_made() as executors:
            pool = bounded(exercise.WorkerPool, n, what=f"WorkerPool({n})")
        made.append(pool)
        return pool, learner_threads(started), executors

    yield make
    deadline = time.monotonic() + 0.5  # one shared budget: a pool that hangs in shutdown() failed its check already
    for pool in made:
        Call(pool.shutdown).finish(max(0.0, deadline - time.monotonic()))


def gauge_tasks(exercise, pools) -> Gauge:
    pool, _, _ = pools(N)
    gauge = Gauge(N, settle=GAUGE_SETTLE)
    handles = bounded(lambda: [pool.submit(gauge, i) for i in range(3 * N)], what=f"{3 * N} calls of submit()")
    got = results(f"Collecting the results of {3 * N} tasks", exercise, handles)
    errors = [e for e in got if isinstance(e, BaseException)]
    expect(not errors, f"WorkerPool({N}), {3 * N} quick tasks: result() raised {errors[0]!r}" if errors else "")
    expect(got == list(range(3 * N)), f"WorkerPool({N}), tasks returning 0 … {3 * N - 1}: the handles gave {got}.")
    return gauge
