# BUG: a second shutdown() returns at once when another thread has begun one, before the queued tasks ran and the workers were joined.

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

# What a worker takes from the queue to know it should exit. Any unique object will do.
_STOP = object()


class Handle:
    """What `submit` returns: the outcome of one task, once the task has run."""

    def __init__(self) -> None:
        # An Event, not a polled flag: result() sleeps until the worker sets it, and
        # Event.wait takes a timeout for free.
        self._done = threading.Event()
        self._value: object = None
        self._error: BaseException | None = None

    def _finish(self, value: object, error: BaseException | None) -> None:
        # Store before set(): a waiter woken by set() must find the outcome already there.
        self._value, self._error = value, error
        self._done.set()

    def result(self, timeout: float | None = None) -> object:
        if not self._done.wait(timeout):
            raise TimeoutError(f"the task did not finish within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value


class WorkerPool:
    """A fixed set of worker threads that run submitted tasks, up to `n_workers` at a time."""

    def __init__(self, n_workers: int) -> None:
        if n_workers < 1:
            raise ValueError(f"n_workers must be at least 1, got {n_workers}")
        self._tasks: queue.Queue = queue.Queue()
        # Guards _closed, so that no task can slip into the queue behind the stop markers.
        self._lock = threading.Lock()
        self._closed = False
        self._workers = [threading.Thread(target=self._work, name=f"pool-worker-{i + 1}") for i in range(n_workers)]
        for worker in self._workers:
            worker.start()

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is _STOP:
                return
            func, args, handle = task
            try:
                value = func(*args)
            except BaseException as error:  # the caller sees it through the handle; the worker lives on
                handle._finish(None, error)
            else:
                handle._finish(value, None)

    def submit(self, func: Callable[..., object], *args: object) -> Handle:
        handle = Handle()
        with self._lock:
            if self._closed:
                raise RuntimeError("submit() called after shutdown()")
            self._tasks.put((func, args, handle))
        return handle

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            if self._closed:
                return  # someone else is shutting down
            if not self._closed:
                self._closed = True
                # One stop marker per worker: each worker takes exactly one and exits. They go
                # behind every queued task, so the queue is worked off first.
                for _ in self._workers:
                    self._tasks.put(_STOP)
        if wait:
            for worker in self._workers:
                if worker is not threading.current_thread():  # a task may shut its own pool down
                    worker.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown(wait=True)
