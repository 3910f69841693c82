"""Hidden checks for exercise 08: the same behaviours as the public checks, tried in other ways."""

import threading
import time

from kata.harness import GATE_LIMIT, QUICK, Call, Gauge, bounded, describe_threads, expect, learner_threads, outcome, record_threads, said
from kata.harness.stepping import at_every_step

ADVICE = "Is a worker waiting for something that never comes?"


def _h08_pool(exercise, n):
    with record_threads() as started:
        pool = bounded(exercise.WorkerPool, n, what=f"WorkerPool({n})", advice=ADVICE)
    return pool, learner_threads(started)


def _h08_results(handles, what):
    """Each handle's result() as an Outcome, all within one bound."""

    def gather():
        deadline = time.monotonic() + QUICK
        got = []
        for handle in handles:
            got.append(outcome(handle.result, max(0.01, deadline - time.monotonic()), what=what, advice=ADVICE, limit=QUICK + 1.0))
        return got

    return bounded(gather, what=what, advice=ADVICE, limit=2 * QUICK + 1.0)


def test_five_workers_run_five_tasks_at_once_and_never_six(exercise):
    """A pool of five runs five tasks at once, never six."""
    pool, workers = _h08_pool(exercise, 5)
    try:
        gauge = Gauge(5, settle=0.05)  # a sixth task, if the pool lets one start, starts beside them
        handles = bounded(lambda: [pool.submit(gauge, i) for i in range(12)], what="12 calls of submit()", advice=ADVICE)
        got = _h08_results(handles, "handle.result()")
    finally:
        Call(pool.shutdown).wait(1.0)
    expect(got == [(i, None) for i in range(12)], f"WorkerPool(5), 12 tasks returning 0 … 11: the handles gave {[said(g) for g in got]}.")
    expect(len(workers) == 5, f"WorkerPool(5) started {len(workers)} thread(s), expected 5.")
    expect(gauge.peak == 5 and not gauge.timed_out, f"WorkerPool(5) with 12 tasks: at most {gauge.peak} ran at the same time, expected exactly 5.")


def test_a_task_may_submit_to_its_own_pool_and_exit_with_system_exit(exercise):
    """A task may submit to its own pool, and a task that raises SystemExit hands it back without ending its worker."""
    pool, workers = _h08_pool(exercise, 2)
    try:
        parent = bounded(pool.submit, lambda: pool.submit(str.upper, "child"), what="submit() of a task that submits another", advice=ADVICE)
        child = _h08_results([parent], "result() of the task that submitted another")[0].get()
        got = _h08_results([child], "result() of the task submitted from inside a task")[0]
        expect(got == ("CHILD", None), f"A task submitted str.upper('child') to its own pool; that handle's result() {said(got)}, expected 'CHILD'.")
        quitting = bounded(pool.submit, _h08_exits, what="submit()", advice=ADVICE)
        got = _h08_results([quitting], "result() of a task that raised SystemExit")[0]
        expect(
            isinstance(got.error, SystemExit) and got.error.code == "bye",
            f"A task raised SystemExit('bye'); its handle.result() {said(got)}, expected it to raise that SystemExit (every kind of exception comes back).",
        )
        dead = [w for w in workers if not w.is_alive()]
        expect(
            not dead,
            f"After a task raised SystemExit('bye'), worker thread(s) {describe_threads(dead)} had ended; "
            "a task's exception, of any kind, must not end its worker.",
        )
    finally:
        Call(pool.shutdown).wait(1.0)


def _h08_exits():
    raise SystemExit("bye")


def test_result_with_timeout_zero_does_not_wait(exercise):
    """result(timeout=0) does not wait: TimeoutError for a running task, the value for a finished one."""
    pool, _ = _h08_pool(exercise, 1)
    gate = threading.Event()
    try:
        running = bounded(pool.submit, gate.wait, GATE_LIMIT, what="submit()", advice=ADVICE)
        started = time.monotonic()
        got = outcome(running.result, 0, what="result(timeout=0) of a task still running", advice="A timeout of 0 means: do not wait.")
        took = time.monotonic() - started
    finally:
        gate.set()
    expect(
        isinstance(got.error, TimeoutError) and took < 0.5,
        f"handle.result(timeout=0) for a task still running {said(got)} after {took:.2f} s; expected TimeoutError at once.",
    )
    done = _h08_results([running], "result() once the task has finished")[0]
    again = outcome(running.result, 0, what="result(timeout=0) of a finished task")
    expect(
        done == (True, None) and again == (True, None),
        f"A finished task's result() {said(done)} and result(timeout=0) {said(again)}, expected True both times.",
    )
    Call(pool.shutdown).wait(1.0)


def test_shutdown_called_from_three_threads_at_once_returns_in_each(exercise):
    """shutdown() called from three threads at once returns in each, after the queued tasks ran."""
    pool, workers = _h08_pool(exercise, 3)
    handles = bounded(lambda: [pool.submit(pow, i, 2) for i in range(6)], what="submit()", advice=ADVICE)
    barrier = threading.Barrier(3, timeout=QUICK)
    calls = [Call(lambda: (barrier.wait(), pool.shutdown())) for _ in range(3)]
    errors = [c.outcome(what="shutdown(), called from 3 threads at once,", advice=ADVICE, limit=QUICK).error for c in calls]
    expect(errors == [None] * 3, f"shutdown() called from 3 threads at once raised {[e for e in errors if e]!r}.")
    alive = [w for w in workers if w.is_alive()]
    expect(not alive, f"After 3 threads called shutdown() at once and all returned, worker thread(s) {describe_threads(alive)} were still running.")
    got = _h08_results(handles, "result() of tasks queued before shutdown()")
    expect(got == [(i * i, None) for i in range(6)], f"Tasks queued before 3 shutdown() calls gave {[said(g) for g in got]}, expected every one to run.")


def test_a_shutdown_stopped_at_each_step_while_a_submit_runs(exercise):
    """A submit() racing shutdown() raises RuntimeError or has its task run, with shutdown(wait=False) stopped before each of its steps."""
    made = []

    def pair():
        pool, workers = _h08_pool(exercise, 1)
        made.append((pool, workers))
        return (lambda: pool.shutdown(wait=False)), (lambda: pool.submit(divmod, 7, 2))

    for meeting in at_every_step(exercise.__file__, pair):
        error = meeting.first.outcome(what=f"shutdown(wait=False), stopped at line {meeting.line} while a submit() ran,", advice=ADVICE).error
        if error is not None:
            raise error
        got = meeting.second.outcome(what=f"submit(divmod, 7, 2) while shutdown() was stopped at line {meeting.line}", advice=ADVICE, catch=(Exception,))
        if got.raised:
            expect(isinstance(got.error, RuntimeError), f"submit() racing shutdown() raised {got.error!r}, expected RuntimeError or a handle whose task runs.")
            continue
        value = _h08_results([got.value], "result() of a task submitted while shutdown() ran")[0]
        expect(
            value == ((3, 1), None),
            f"shutdown(wait=False) was stopped at line {meeting.line} of your file while submit(divmod, 7, 2) ran; submit() returned a handle, "
            f"but its result() {said(value)}. A submit() racing shutdown() must either raise RuntimeError or have its task run.",
        )
