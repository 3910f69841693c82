# BUG: the lock is given back after the block and in `except Exception:`, so a block ended by a BaseException (KeyboardInterrupt) keeps it.
import threading
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self):
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def _leave_read(self):
        with self._changed:
            self._readers -= 1
            if not self._readers:
                self._changed.notify_all()

    def _leave_write(self):
        with self._changed:
            self._writing = False
            self._changed.notify_all()

    @contextmanager
    def read(self):
        with self._changed:
            self._changed.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        except Exception:
            self._leave_read()
            raise
        self._leave_read()

    @contextmanager
    def write(self):
        with self._changed:
            self._writers_waiting += 1
            self._changed.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        except Exception:
            self._leave_write()
            raise
        self._leave_write()
