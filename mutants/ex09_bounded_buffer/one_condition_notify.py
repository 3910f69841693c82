# BUG: one Condition shared by putters and getters, but notify() instead of notify_all(): a get's wakeup can go to
# another getter, which finds the buffer empty and waits again, while the putter that could go on is never woken.
import time
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
        deadline = None if timeout is None else time.monotonic() + timeout
        while blocked():
            if deadline is None:
                self.changed.wait()
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("timed out")
                self.changed.wait(left)

    def put(self, item, timeout=None):
        with self.changed:
            self._wait(lambda: not self.closed and len(self.items) >= self.capacity, timeout)
            if self.closed:
                raise Closed("closed")
            self.items.append(item)
            self.changed.notify()

    def get(self, timeout=None):
        with self.changed:
            self._wait(lambda: not self.closed and not self.items, timeout)
            if not self.items:
                raise Closed("closed and empty")
            item = self.items.pop(0)
            self.changed.notify()
            return item

    def close(self):
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def __len__(self):
        return len(self.items)
