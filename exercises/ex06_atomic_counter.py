"""Exercise 06 — an atomic counter.

Many threads share one Counter. `self._value += n` is three steps (read, add, write back),
so two threads can both read 41 and both write 42: one update is lost. Make each update
happen as one indivisible step by guarding it with a lock.
"""

import threading


class Counter:
    """A counter that many threads can increment and decrement at once without losing updates."""

    def __init__(self, start: int = 0) -> None:
        """Start counting at `start`."""
        # TODO: keep the value, and one lock that guards it.
        raise NotImplementedError

    def increment(self, n: int = 1) -> int:
        """Add `n`; return the value that this update produced.

        Counter(0).increment() returns 1. When threads increment at the same time, each call
        returns a different value: the one its own update produced, not a later one.
        """
        # TODO: read, add and write back while holding the lock, and return the new value.
        raise NotImplementedError

    def decrement(self, n: int = 1) -> int:
        """Subtract `n`; return the value that this update produced.

        The checks hold `decrement` to everything `increment` is held to: concurrent calls
        return distinct values, and it takes the same lock, so increments and decrements
        running together lose nothing. If an update raises (an `n` that cannot be subtracted),
        the exception reaches the caller, the value is unchanged, and the counter keeps
        working for every thread: the lock is released on every way out.
        """
        # TODO: like increment, under the same lock.
        raise NotImplementedError

    @property
    def value(self) -> int:
        """The current value."""
        # TODO
        raise NotImplementedError
