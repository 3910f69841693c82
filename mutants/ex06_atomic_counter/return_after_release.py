# BUG: the new value is read after the lock is released — another update may have happened by then.
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
        return self._value
