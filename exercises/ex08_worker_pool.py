"""Exercise 08 — a worker pool.

Starting a new thread for every small task is wasteful. Write a pool that starts `n_workers`
threads once, feeds them tasks through a `queue.Queue`, and gives each caller a handle to
collect the result later. Use `threading` and `queue` only: `concurrent.futures` already does
this, and here you build it yourself.

The checks call the methods from many threads at once: several threads submitting together,
`submit` while `shutdown` runs (stopped at every step of its way, one after the other), several
threads waiting on one handle, `shutdown` from several threads. A task may raise any exception,
`BaseException` subclasses included, or return an exception object as its value.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Handle:
    """What `submit` returns: the outcome of one task, once the task has run."""

    def __init__(self) -> None:
        # TODO: a way to wait until the task has finished, and room for its value or its exception.
        raise NotImplementedError

    def result(self, timeout: float | None = None) -> object:
        """Wait for the task to finish; return its value, or raise the exception it raised.

        Any exception the task raised comes back, of every kind (`BaseException` too); an
        exception object the task *returned* is its value, returned like any other. With a
        `timeout` in seconds, raise the built-in `TimeoutError` if the task has not finished by
        then (`timeout=0`: do not wait, raise at once). The timeout is one deadline for the whole
        call, however often the wait is woken meanwhile (by other tasks finishing, say).
        `result` may be called any number of times, from any thread, by several threads at once.
        """
        # TODO: wait (at most `timeout` seconds), then return the value or raise the exception.
        raise NotImplementedError


class WorkerPool:
    """A fixed set of worker threads that run submitted tasks, up to `n_workers` at a time."""

    def __init__(self, n_workers: int) -> None:
        """Start exactly `n_workers` worker threads now; each waits for tasks.

        Raise `ValueError` if `n_workers` is less than 1.
        """
        # TODO: a queue for tasks, and n_workers started threads that loop: take a task, run
        # it, hand its value or exception to its Handle. A task that raises must not end the loop.
        raise NotImplementedError

    def submit(self, func: Callable[..., object], *args: object) -> Handle:
        """Queue `func(*args)` to run in one of the workers and return its Handle at once.

        Raise `RuntimeError` if the pool has been shut down. A `submit` that races a `shutdown`
        running in another thread either raises `RuntimeError` or has its task run: never a
        handle whose task is left behind.
        """
        # TODO: refuse after shutdown; otherwise queue the task with a new Handle.
        raise NotImplementedError

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting tasks; the workers finish every task already queued, then exit.

        With `wait=True`, return only when every worker thread has ended (join them). With
        `wait=False`, return at once. Calling `shutdown` again does nothing more, but with
        `wait=True` it still returns only once the workers have ended, even when another thread
        is shutting the pool down at the same time.
        """
        # TODO: tell every worker to stop once the queue is done, then join them if asked.
        raise NotImplementedError

    def __enter__(self) -> WorkerPool:
        """`with WorkerPool(n) as pool:` gives the pool itself."""
        # TODO
        raise NotImplementedError

    def __exit__(self, *exc_info: object) -> None:
        """Leaving the `with` block shuts the pool down and waits for the workers."""
        # TODO
        raise NotImplementedError
