# BUG: wraps concurrent.futures.ThreadPoolExecutor instead of building the pool from threads and a queue.
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class Handle:
    def __init__(self, future: Future) -> None:
        self._future = future

    def result(self, timeout: float | None = None) -> object:
        try:
            return self._future.result(timeout)
        except TimeoutError:
            raise
        except Exception as error:
            if type(error).__name__ == "TimeoutError":  # concurrent.futures.TimeoutError before 3.11
                raise TimeoutError(str(error)) from None
            raise


class WorkerPool:
    def __init__(self, n_workers: int) -> None:
        if n_workers < 1:
            raise ValueError(f"n_workers must be at least 1, got {n_workers}")
        self._executor = ThreadPoolExecutor(max_workers=n_workers)

    def submit(self, func: Callable[..., object], *args: object) -> Handle:
        return Handle(self._executor.submit(func, *args))

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown(wait=True)
