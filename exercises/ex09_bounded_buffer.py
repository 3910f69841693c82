"""Exercise 09 — a bounded buffer.

Producers put items in, consumers take them out, in order. The buffer holds at most
`capacity` items: `put` waits while it is full and `get` waits while it is empty. Build the
waiting on `threading.Condition` (not on the `queue` module), and let `close()` wake everyone.
"""

import threading  # noqa: F401 - you will need threading.Condition
from collections import deque  # noqa: F401 - a handy FIFO container


class Closed(Exception):
    """Raised by `put` on a closed buffer, and by `get` once a closed buffer is empty."""


class BoundedBuffer:
    """A first-in first-out buffer of at most `capacity` items, shared by many threads."""

    def __init__(self, capacity: int) -> None:
        """Make an empty, open buffer. `ValueError` if `capacity` is less than 1."""
        # TODO: check capacity, keep the items, a closed flag, and a Condition that guards them.
        raise NotImplementedError

    def put(self, item: object, timeout: float | None = None) -> None:
        """Add `item` at the end, waiting while the buffer is full.

        `timeout=None` waits as long as needed; otherwise wait at most `timeout` seconds, then
        raise the built-in `TimeoutError`. Raises `Closed` if the buffer is closed, also when
        it gets closed while this call waits.
        """
        # TODO: wait while full and open; then raise Closed, or add the item and wake a getter.
        raise NotImplementedError

    def get(self, timeout: float | None = None) -> object:
        """Remove and return the oldest item, waiting while the buffer is empty.

        `timeout` works as in `put`. A closed buffer still hands out the items it holds; once it
        is closed *and* empty, `get` raises `Closed` at once instead of waiting.
        """
        # TODO: wait while empty and open; then take the oldest item and wake a putter, or raise Closed.
        raise NotImplementedError

    def close(self) -> None:
        """Close the buffer and wake every thread waiting in `put` or `get`. Closing twice is harmless."""
        # TODO: mark it closed, then wake *all* the waiters, not just one.
        raise NotImplementedError

    def __len__(self) -> int:
        """How many items the buffer holds right now."""
        # TODO
        raise NotImplementedError
