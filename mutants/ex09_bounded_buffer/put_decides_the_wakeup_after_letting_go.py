# BUG: put() lets go of the lock after adding its item and takes it again to decide whether to wake a getter (only
# when the count is 1): two puts that both add their item in between see a count of 2, neither notifies, and the
# waiting gets are never woken (a lost wakeup).
import threading


class Closed(Exception):
    pass


class BoundedBuffer:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(capacity)
        self._slots = [None] * capacity
        self._head = 0
        self._count = 0
        self._closed = False
        self._mutex = threading.Lock()
        self._can_get = threading.Condition(self._mutex)
        self._can_put = threading.Condition(self._mutex)

    def put(self, item, timeout=None):
        with self._mutex:
            ok = self._can_put.wait_for(lambda: self._closed or self._count < len(self._slots), timeout=timeout)
            if not ok:
                raise TimeoutError
            if self._closed:
                raise Closed
            self._slots[(self._head + self._count) % len(self._slots)] = item
            self._count += 1
        with self._mutex:
            if self._count == 1:
                self._can_get.notify()

    def get(self, timeout=None):
        with self._mutex:
            if not self._can_get.wait_for(lambda: self._count or self._closed, timeout=timeout):
                raise TimeoutError
            if self._count == 0:
                raise Closed
            item, self._slots[self._head] = self._slots[self._head], None
            self._head = (self._head + 1) % len(self._slots)
            self._count -= 1
            self._can_put.notify()
            if self._count:
                self._can_get.notify()  # pass the turn on: more items may be waiting for getters
            return item

    def close(self):
        with self._mutex:
            if not self._closed:
                self._closed = True
                self._can_get.notify_all()
                self._can_put.notify_all()

    def __len__(self):
        with self._mutex:
            return self._count
