# BUG: no lock at all — `+=` is read, add, write, and two threads can interleave between them.
import threading


class Counter:
    def __init__(self, start: int = 0) -> None:
        self._value = start

    def increment(self, n: int = 1) -> int:
        self._value += n
        return self._value

    def decrement(self, n: int = 1) -> int:
        self._value -= n
        return self._value

    @property
    def value(self) -> int:
        return self._value
