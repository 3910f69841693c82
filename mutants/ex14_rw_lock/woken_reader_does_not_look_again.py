# BUG: read() waits under an `if`, not a `while`: a reader woken as a writer leaves goes in without looking again, even when another writer got in first.
import threading
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self):
        lock = threading.Lock()
        self._can_read = threading.Condition(lock)
        self._can_write = threading.Condition(lock)
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def read(self):
        with self._can_read:
            if self._writer or self._writers_waiting:
                self._can_read.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._can_read:
                self._readers -= 1
                if self._readers == 0:
                    self._can_write.notify()

    @contextmanager
    def write(self):
        with self._can_write:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._can_write.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._can_write:
                self._writer = False
                if self._writers_waiting:
                    self._can_write.notify()
                else:
                    self._can_read.notify_all()
