# BUG: built on queue.Queue instead of a Condition: the exercise is to build that waiting yourself.
import queue
import threading


class Closed(Exception):
    pass


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._queue = queue.Queue(capacity)
        self._closed = False
        self._lock = threading.Lock()

    def put(self, item, timeout=None):
        if self._closed:
            raise Closed()
        try:
            self._queue.put(item, timeout=timeout)
        except queue.Full:
            raise TimeoutError("buffer full") from None

    def get(self, timeout=None):
        # Poll so that close() is noticed.
        deadline = None if timeout is None else __import__("time").monotonic() + timeout
        while True:
            try:
                return self._queue.get(timeout=0.01)
            except queue.Empty:
                if self._closed:
                    raise Closed() from None
                if deadline is not None and __import__("time").monotonic() >= deadline:
                    raise TimeoutError("buffer empty") from None

    def close(self):
        self._closed = True

    def __len__(self):
        return self._queue.qsize()
