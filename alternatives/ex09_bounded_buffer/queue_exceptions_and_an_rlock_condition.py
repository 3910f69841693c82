# OK: its timeouts are TimeoutError subclasses that are also queue.Empty / queue.Full (only queue's exception
# classes are imported), one Condition over an RLock, notify_all, and a deadline kept across wakeups by hand.
import threading
import time
from collections import deque
from queue import Empty, Full


class Closed(Exception):
    pass


class GetTimeout(TimeoutError, Empty):
    """Nothing arrived in time: callers used to queue.Queue may catch Empty, others TimeoutError."""


class PutTimeout(TimeoutError, Full):
    """No room came free in time."""


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._items = deque()
        self._closed = False
        self._changed = threading.Condition(threading.RLock())

    def _wait_until(self, ready, timeout, error):
        deadline = None if timeout is None else time.monotonic() + timeout
        while not ready():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise error
            self._changed.wait(left)

    def put(self, item, timeout=None):
        with self._changed:
            self._wait_until(lambda: self._closed or len(self._items) < self._capacity, timeout, PutTimeout(f"still full after {timeout} s"))
            if self._closed:
                raise Closed("the buffer is closed")
            self._items.append(item)
            self._changed.notify_all()

    def get(self, timeout=None):
        with self._changed:
            self._wait_until(lambda: self._closed or self._items, timeout, GetTimeout(f"still empty after {timeout} s"))
            if not self._items:
                raise Closed("the buffer is closed and empty")
            item = self._items.popleft()
            self._changed.notify_all()
            return item

    def close(self):
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def __len__(self):
        with self._changed:
            return len(self._items)
