# BUG: the timeout restarts after every wakeup: wait(timeout) in a loop instead of waiting for what is left of one
# deadline, so a get(timeout=0.5) that is woken again and again without an item waits far longer than 0.5 s.
from threading import Condition


class Closed(Exception):
    pass


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.items = []
        self.closed = False
        self.changed = Condition()

    def _wait(self, blocked, timeout):
        while blocked():
            if not self.changed.wait(timeout):
                raise TimeoutError("timed out")

    def put(self, item, timeout=None):
        with self.changed:
            self._wait(lambda: not self.closed and len(self.items) >= self.capacity, timeout)
            if self.closed:
                raise Closed("closed")
            self.items.append(item)
            self.changed.notify_all()

    def get(self, timeout=None):
        with self.changed:
            self._wait(lambda: not self.closed and not self.items, timeout)
            if not self.items:
                raise Closed("closed and empty")
            item = self.items.pop(0)
            self.changed.notify_all()
            return item

    def close(self):
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def __len__(self):
        return len(self.items)
