# BUG: the lock is fixed in increment only: decrement reads its return value after releasing the lock, so a concurrent update can slip in first.
import threading


class Counter:
    def __init__(self, start: int = 0) -> None:
        self._value = start
        self._lock = threading.Lock()

    def increment(self, n: int = 1) -> int:
        with self._lock:
            self._value += n
            return self._value

    def decrement(self, n: int = 1) -> int:
        with self._lock:
            self._value -= n
        return self._value

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
