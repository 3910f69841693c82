# BUG: the value is read before the lock is taken; only the write is guarded, so updates are still lost.
import threading


class Counter:
    def __init__(self, start: int = 0) -> None:
        self._value = start
        self._lock = threading.Lock()

    def increment(self, n: int = 1) -> int:
        new = self._value + n
        with self._lock:
            self._value = new
            return new

    def decrement(self, n: int = 1) -> int:
        new = self._value - n
        with self._lock:
            self._value = new
            return new

    @property
    def value(self) -> int:
        return self._value
