"""Exercise 09 — a bounded buffer.

Producers put items in, consumers take them out, in order. The buffer holds at most
`capacity` items: `put` waits while it is full and `get` waits while it is empty. Build the
waiting on `threading.Condition` (not on the `queue` module; its exception classes, such as
`queue.Empty`, are fine to import), and let `close()` wake everyone.

The checks hold every method to this while other threads call the others: a timeout is one
deadline for the whole call however often the call is woken in between; `timeout=0` tries once;
a wakeup meant for a waiting `put` must not be lost to a waiting `get` (or the other way round);
two calls racing for the last free slot, or the last item, never both succeed; `None` and
other falsy items are items like any other.
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

        `timeout=None` waits as long as needed; otherwise wait at most `timeout` seconds *in all*,
        however many times the call is woken in between, then raise the built-in `TimeoutError`
        (`timeout=0`: try once, do not wait). Raises `Closed` if the buffer is closed, also when
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
