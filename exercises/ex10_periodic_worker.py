"""Exercise 10 — a periodic worker.

Run a task every few seconds in a thread of its own, and stop it on request. stop() must work
at once, even in the middle of a long wait, so the thread cannot simply sleep: it has to wait
for "the interval is over" *or* "stop was asked", whichever comes first.

The checks also call stop() while start() is still running in another thread (each stopped
at every step of its way in turn while the other runs, and start()'s new thread slow to get
going), and stop() from several threads at once, also while one of them waits for the thread: none may raise,
the worker must still end, and each stop() returns only once its thread has ended.
"""

import threading
from collections.abc import Callable


class PeriodicWorker:
    """Calls `task()` about every `interval` seconds in its own thread, from start() until stop()."""

    def __init__(self, task: Callable[[], object], interval: float) -> None:
        """Remember the task and the interval; nothing runs before start()."""
        # TODO: keep task and interval, and whatever the thread will wait on (see stop()).
        raise NotImplementedError

    def start(self) -> None:
        """Start the worker thread and return at once.

        The thread calls `task()` about every `interval` seconds (the first call may come at
        once or after one interval) until stop() is called. While it waits for the next call
        it must use no CPU. A worker runs one thread at most: a second start() on a started
        worker, even one called at the same moment from another thread, either raises
        `RuntimeError` or does nothing. Either way it starts no second thread and leaves the
        running worker as it was (still calling task(), still stopped by stop()).
        """
        # TODO: start one thread that loops: wait `interval` seconds, unless told to stop; call task().
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the worker; return only when its thread has ended.

        Returns promptly even in the middle of a long interval (it does not wait for the
        interval to run out), and task() is not called again once stop() has been called,
        except that a call already running is allowed to finish. Calling stop() twice, or
        before start(), does nothing. A stop() called while another stop() still waits for the
        thread waits for it too.
        """
        # TODO: wake the waiting thread, then wait for it to end. What can a thread wait on
        # with a timeout that another thread can cut short? (time.sleep cannot be cut short.)
        raise NotImplementedError

    @property
    def running(self) -> bool:
        """True from start() until stop() is called; False before start() and after stop()."""
        # TODO
        raise NotImplementedError
