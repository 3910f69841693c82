# BUG: snapshot() copies only the entries whose value is truthy, so stored 0, '', [] and None are missing from it.

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

V = TypeVar("V")


class SafeCache:
    """A cache of key → value that many threads can read and write at once."""

    def __init__(self) -> None:
        self._data: dict = {}
        # One lock guards every access to _data: a rule without exceptions is easy to keep.
        self._lock = threading.Lock()

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def snapshot(self) -> dict:
        # Copying walks over every entry. A set() from another thread in the middle of the
        # walk would change the dict under it; holding the lock keeps writers out until the
        # copy is done. The new dict is the caller's, so it needs no lock afterwards.
        with self._lock:
            return {key: value for key, value in self._data.items() if value}

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def get_or_compute(self, key: Hashable, factory: Callable[[], V]) -> V:
        # Looking and storing happen under one hold of the lock: if it were released between
        # them, a second thread could also find the key missing and call factory again.
        # The price is that every other call waits while factory runs (exercise 16 avoids it).
        # We use _data directly: calling self.get() or self.set() here would try to take the
        # lock we already hold, and a Lock waits forever for itself.
        with self._lock:
            if key in self._data:  # `in`, not get(): a stored None is still stored
                return self._data[key]
            value = factory()  # if this raises, the line below never runs: nothing is cached
            self._data[key] = value
            return value
