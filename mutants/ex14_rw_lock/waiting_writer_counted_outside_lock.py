# BUG: write() counts itself as a waiting writer before taking the lock: two updates of the count can clash, so it never returns to 0 and readers wait for good.

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """A lock that many readers can hold at once, or one writer alone."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0  # readers inside
        self._writing = False  # a writer inside
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._changed:
            # A reader also waits while a writer is *waiting*: otherwise readers that keep
            # overlapping would never let the count drop to 0, and the writer would starve.
            self._changed.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            # In a finally, so an exception in the with block does not leave the lock taken.
            with self._changed:
                self._readers -= 1
                if not self._readers:
                    # Only the last reader out can let a writer in; writers and readers wait on
                    # the same condition, so wake them all and let each check its own predicate.
                    self._changed.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        self._writers_waiting += 1
        with self._changed:
            self._changed.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
