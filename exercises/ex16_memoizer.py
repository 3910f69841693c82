"""Exercise 16 — a memoizer that many threads can share.

Memoizer(func) remembers func(key) for every key it has computed. Make it compute each key
once however many threads ask for it at the same time, without making a slow key hold up
the others, and without remembering a computation that raised.
"""

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memoizer(Generic[K, V]):
    """Calls `func(key)` at most once per key and remembers what it returned."""

    def __init__(self, func: Callable[[K], V]) -> None:
        """Remember `func`; nothing is computed yet."""
        # TODO: keep func, what has been computed, what is being computed, and a lock.
        raise NotImplementedError

    def __call__(self, key: K) -> V:
        """`func(key)`, computed on the first call for `key` and remembered for later calls.

        When several threads ask for the same key at once, `func(key)` runs only once: the
        other threads wait for it and return the same value. Different keys are computed
        at the same time, so a slow key does not hold up the others, and a thread waiting for
        one key keeps waiting when another key's computation ends. If `func(key)` raises
        (any exception, a `BaseException` subclass such as KeyboardInterrupt too), the
        exception reaches the caller and every thread waiting for that key; nothing is
        remembered, so a later call computes again.

        Whatever `func(key)` returns is its value: None, 0, "" and an exception object that
        func *returns* (rather than raises) are remembered and returned like any other.
        `func` may be any callable: a function, a bound method, a `functools.partial`, an
        object with `__call__`.
        """
        # TODO: under the lock, find out whether the key is done, being computed, or new.
        # Compute a new key *without* holding the lock, then hand its value (or its
        # exception) to the threads that waited for it.
        raise NotImplementedError
