"""Exercise 16 — a memoizer that many threads can share (one reference solution among several possible)."""

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Pending:
    """One computation of one key: waiters block on `done`, then read `value` or `error`."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value = None
        self.error: BaseException | None = None


class Memoizer(Generic[K, V]):
    """Calls `func(key)` at most once per key and remembers what it returned."""

    def __init__(self, func: Callable[[K], V]) -> None:
        self._func = func
        # A key is in _entries from the moment one thread starts computing it: first as a
        # _Pending that others wait on, so nobody else starts the same computation.
        self._entries: dict = {}
        self._lock = threading.Lock()

    def __call__(self, key: K) -> V:
        # The lock only guards the quick look-up-or-register step; it is never held while
        # func runs, so other keys can be looked up and computed meanwhile.
        with self._lock:
            entry = self._entries.get(key)
            mine = entry is None
            if mine:
                entry = self._entries[key] = _Pending()
        if mine:
            return self._compute(key, entry)
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value

    def _compute(self, key: K, entry: _Pending) -> V:
        try:
            entry.value = self._func(key)
        except BaseException as error:
            entry.error = error
            # Forget the failed computation so the next call tries again; the threads
            # already waiting on this entry still see its error.
            with self._lock:
                del self._entries[key]
            raise
        finally:
            # Wake the waiters whatever happened: a waiter left waiting for a failed
            # computation would wait forever.
            entry.done.set()
        return entry.value
