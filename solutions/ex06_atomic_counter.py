"""Exercise 06 — an atomic counter (one reference solution among several possible)."""

import threading


class Counter:
    """A counter that many threads can increment and decrement at once without losing updates."""

    def __init__(self, start: int = 0) -> None:
        self._value = start
        # One lock for every change: increment and decrement touch the same value, so they
        # must exclude each other too, not only themselves.
        self._lock = threading.Lock()

    def increment(self, n: int = 1) -> int:
        return self._add(n)

    def decrement(self, n: int = 1) -> int:
        return self._add(-n)

    def _add(self, n: int) -> int:
        with self._lock:
            self._value += n
            # Read the result before releasing the lock: a moment later another thread may
            # already have changed it, and we would return *its* value.
            return self._value

    @property
    def value(self) -> int:
        # Reading one int is atomic, but taking the lock keeps the rule simple: every access
        # to _value happens under _lock.
        with self._lock:
            return self._value
