"""Exercise 09 — a bounded buffer (one reference solution among several possible)."""

import threading
from collections import deque


class Closed(Exception):
    """Raised by `put` on a closed buffer, and by `get` once a closed buffer is empty."""


class BoundedBuffer:
    """A first-in first-out buffer of at most `capacity` items, shared by many threads."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity!r}")
        self._capacity = capacity
        self._items: deque = deque()
        self._closed = False
        # Two conditions on one lock: a put wakes only getters and a get wakes only putters,
        # yet every check of the shared state happens under the same lock.
        lock = threading.Lock()
        self._not_empty = threading.Condition(lock)
        self._not_full = threading.Condition(lock)

    def put(self, item: object, timeout: float | None = None) -> None:
        with self._not_full:
            # wait_for re-checks the predicate after every wakeup (a `while` loop, not an `if`):
            # another thread may have filled the free slot before this one got the lock back.
            # It also keeps the deadline across wakeups, so the timeout is not restarted.
            if not self._not_full.wait_for(lambda: self._closed or len(self._items) < self._capacity, timeout):
                raise TimeoutError(f"put: the buffer stayed full for {timeout} s")
            if self._closed:
                raise Closed("put on a closed buffer")
            self._items.append(item)
            # One new item can satisfy one getter; waking more would only make them wait again.
            self._not_empty.notify()

    def get(self, timeout: float | None = None) -> object:
        with self._not_empty:
            if not self._not_empty.wait_for(lambda: self._items or self._closed, timeout):
                raise TimeoutError(f"get: the buffer stayed empty for {timeout} s")
            if not self._items:
                raise Closed("get on a closed, empty buffer")
            item = self._items.popleft()
            self._not_full.notify()
            return item

    def close(self) -> None:
        with self._not_empty:
            self._closed = True
            # Every waiter must see the change: each one then raises Closed (or drains an item),
            # and none of them passes the wakeup on, so notify() would leave the rest waiting.
            self._not_empty.notify_all()
            self._not_full.notify_all()

    def __len__(self) -> int:
        with self._not_empty:
            return len(self._items)
