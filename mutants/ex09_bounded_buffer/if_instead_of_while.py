# BUG: `if` instead of `while` around wait(): a woken thread does not check again whether it can go on.
import threading
from collections import deque


class Closed(Exception):
    pass


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._items = deque()
        self._closed = False
        self._cond = threading.Condition()

    def put(self, item, timeout=None):
        with self._cond:
            if len(self._items) >= self._capacity and not self._closed:
                if not self._cond.wait(timeout):
                    raise TimeoutError("buffer full")
            if self._closed:
                raise Closed()
            self._items.append(item)
            self._cond.notify_all()

    def get(self, timeout=None):
        with self._cond:
            if not self._items and not self._closed:
                if not self._cond.wait(timeout):
                    raise TimeoutError("buffer empty")
            if self._closed and not self._items:
                raise Closed()
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self):
        with self._cond:
            return len(self._items)
