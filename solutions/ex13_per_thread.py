"""Exercise 13 — one object per thread (one reference solution among several possible)."""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerThread(Generic[T]):
    """Gives every thread its own object, made by `factory` in that thread on its first `get()`."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        # One `local` per PerThread: each thread sees its own attributes on it. A module-level
        # local would make two PerThread objects share one slot.
        self._local = threading.local()

    def get(self) -> T:
        try:
            return self._local.value
        except AttributeError:
            # First call in this thread. No lock needed: no other thread can see this slot.
            # If the factory raises, nothing is stored and the next call tries again.
            value = self._factory()
            self._local.value = value
            return value
