# BUG: a new Lock() in every call — each thread locks its own lock, so nothing is excluded.
import threading


class Counter:
    def __init__(self, start: int = 0) -> None:
        self._value = start

    def increment(self, n: int = 1) -> int:
        with threading.Lock():
            self._value += n
            return self._value

    def decrement(self, n: int = 1) -> int:
        with threading.Lock():
            self._value -= n
            return self._value

    @property
    def value(self) -> int:
        return self._value
