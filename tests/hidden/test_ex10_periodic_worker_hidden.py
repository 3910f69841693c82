"""Hidden checks for exercise 10: the same behaviours as the public checks, tried in other ways."""

import threading
import time

from kata.harness import QUICK, Call, bounded, describe_threads, expect, real_sleep, record_threads

PROMPT = 0.5


class Ticks:
    """A task that counts its calls; once retired it raises SystemExit, so a worker that outlives its check ends."""

    def __init__(self):
        self.times = []
        self.retired = False

    def __call__(self):
        if self.retired:
            raise SystemExit
        self.times.append(time.monotonic())


def _h10_started(exercise, task, interval):
    with record_threads() as threads:
        worker = bounded(exercise.PeriodicWorker, task, interval, what=f"PeriodicWorker(task, {interval:g})")
        bounded(worker.start, what=f"PeriodicWorker(task, {interval:g}).start()")
    return worker, threads


def test_a_slower_interval_gives_fewer_calls_about_that_far_apart(exercise):
    """A slower interval gives proportionally fewer calls, about that far apart."""
    task = Ticks()
    worker, _ = _h10_started(exercise, task, 0.06)
    try:
        real_sleep(0.3)
        calls = list(task.times)
    finally:
        task.retired = True
        Call(worker.stop).wait(PROMPT)
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    expect(3 <= len(calls) <= 7, f"PeriodicWorker(task, 0.06) running for 0.3 s called task() {len(calls)} times; expected about 5.")
    # No call comes more than half an interval ahead of its place in the schedule counted from the first:
    # a worker that keeps a fixed rate may make up for a late call with a shorter gap, never run ahead.
    expect(
        all(at - calls[0] >= 0.06 * k - 0.03 for k, at in enumerate(calls)),
        f"PeriodicWorker(task, 0.06): calls came {[round(g, 3) for g in gaps]} s apart; expected about 0.06 s each.",
    )


def test_stop_called_from_three_threads_at_once(exercise):
    """stop() called from three threads at once returns promptly in each, and the thread has ended."""
    task = Ticks()
    worker, threads = _h10_started(exercise, task, 5.0)
    real_sleep(0.05)
    barrier = threading.Barrier(3, timeout=QUICK)
    try:
        calls = [Call(lambda: (barrier.wait(), worker.stop())) for _ in range(3)]
        deadline = time.monotonic() + PROMPT + 0.5
        for call in calls:
            call.wait(max(0.0, deadline - time.monotonic()))
        late = sum(not call.done() for call in calls)
        alive = [t for t in threads if t.is_alive()]
        before = len(task.times)
        real_sleep(0.05)
        after = len(task.times)
    finally:
        task.retired = True
    expect(not late, f"PeriodicWorker(task, 5), three threads calling stop() at once: {late} of them had not returned {PROMPT + 0.5:g} s later.")
    errors = [call.error for call in calls if call.error is not None]
    expect(not errors, f"stop() called from three threads at once raised {errors[0]!r}." if errors else "")
    expect(not alive, f"After three stop() calls returned, thread(s) {describe_threads(alive)} were still running.")
    expect(after == before, f"PeriodicWorker(task, 5): after three stop() calls returned, task() was called {after - before} more time(s).")


def test_a_worker_never_started_is_not_running_and_stops_quietly_twice(exercise):
    """A worker never started is not running, and stopping it twice does nothing."""
    task = Ticks()
    task.retired = True
    with record_threads() as threads:
        worker = bounded(exercise.PeriodicWorker, task, 0.01, what="PeriodicWorker(task, 0.01)")
        for _ in range(2):
            bounded(worker.stop, what="stop() on a worker never started")
        running = worker.running
    expect(running is False or running == 0, f"A PeriodicWorker never started, then stopped twice: running is {running!r}, expected False.")
    expect(not threads, f"PeriodicWorker(...) and two stop() calls started thread(s) {describe_threads(threads)}; none was started.")
