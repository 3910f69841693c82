# BUG: read() and write() both take one plain Lock, so readers never hold it at the same time.
import threading
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self):
        self._lock = threading.Lock()

    @contextmanager
    def read(self):
        with self._lock:
            yield

    @contextmanager
    def write(self):
        with self._lock:
            yield
