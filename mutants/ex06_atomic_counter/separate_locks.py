# BUG: increment and decrement use different locks, so an increment and a decrement can still interleave.
import threading


class Counter:
    def __init__(self, start: int = 0) -> None:
        self._value = start
        self._up = threading.Lock()
        self._down = threading.Lock()

    def increment(self, n: int = 1) -> int:
        with self._up:
            self._value += n
            return self._value

    def decrement(self, n: int = 1) -> int:
        with self._down:
            self._value -= n
            return self._value

    @property
    def value(self) -> int:
        return self._value
