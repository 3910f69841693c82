# BUG: get takes None for 'nothing there': a None put into the buffer is taken out and lost, and get raises Closed on an open buffer.
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
        lock = threading.Lock()
        self._not_empty = threading.Condition(lock)
        self._not_full = threading.Condition(lock)

    def put(self, item, timeout=None):
        with self._not_full:
            if not self._not_full.wait_for(lambda: self._closed or len(self._items) < self._capacity, timeout):
                raise TimeoutError("buffer full")
            if self._closed:
                raise Closed()
            self._items.append(item)
            self._not_empty.notify()

    def get(self, timeout=None):
        with self._not_empty:
            if not self._not_empty.wait_for(lambda: self._items or self._closed, timeout):
                raise TimeoutError("buffer empty")
            item = self._items.popleft() if self._items else None
            if item is None:  # nothing there: the buffer is closed and empty
                raise Closed()
            self._not_full.notify()
            return item

    def close(self):
        with self._not_empty:
            self._closed = True
            self._not_empty.notify_all()
            self._not_full.notify_all()

    def __len__(self):
        with self._not_empty:
            return len(self._items)
