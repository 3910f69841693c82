"""Exercise 07 — a thread-safe cache.

Many threads use one SafeCache at the same time. Guard the dictionary inside it with one lock,
so that no thread ever sees it half-changed, and make `get_or_compute` call its factory only
once per key, however many threads ask for that key at the same moment.
"""

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

V = TypeVar("V")


class SafeCache:
    """A cache of key → value that many threads can read and write at once."""

    def __init__(self) -> None:
        """Start empty."""
        # TODO: keep a dict for the entries, and one lock that guards it.
        raise NotImplementedError

    def set(self, key: Hashable, value: Any) -> None:
        """Store `value` under `key`, replacing any earlier value."""
        # TODO
        raise NotImplementedError

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under `key`, or `default` when the key is not stored.

        Like every method here it may be called while other threads call `set` (the checks
        call `get`, `len` and `snapshot` while others write, with thread switches forced):
        it never raises and never sees the dict half-changed. A stored `None`, `0` or `""`
        is returned as stored, not replaced by `default`.
        """
        # TODO
        raise NotImplementedError

    def snapshot(self) -> dict:
        """A new dict holding every entry, as the cache was at one moment.

        The copy belongs to the caller: changing it does not change the cache, and later
        changes to the cache do not change it. Every entry is in it, falsy values (0, "",
        [], None) too. It never raises, even while other threads are calling `set`.
        """
        # TODO: copy the entries while no other thread can change them.
        raise NotImplementedError

    def __len__(self) -> int:
        """How many keys are stored."""
        # TODO
        raise NotImplementedError

    def get_or_compute(self, key: Hashable, factory: Callable[[], V]) -> V:
        """The value stored under `key`; if there is none, store `factory()` and return it.

        `factory` is called with no arguments, and at most once per key, even when many
        threads ask for the same missing key at the same moment: the others get the value
        it made. A stored `None` is a value like any other (a factory that returns None is
        not called again). `factory` may be any callable. If `factory` raises — any kind of
        exception, a `BaseException` subclass too — the exception reaches the caller, nothing
        is stored, the lock is released, and a later call tries again: a thread that was
        waiting for that key goes on and computes it itself, even while threads waiting for
        other keys keep waiting (wake every waiter, not just one).
        """
        # TODO: looking for the key and storing the new value must be one step that no
        # other thread can come between.
        raise NotImplementedError
