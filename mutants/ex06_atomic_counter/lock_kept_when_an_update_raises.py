# BUG: acquire() and release() without try/finally: when an update raises, the lock is never released and every later call waits forever.
import threading


class Counter:
    def __init__(self, start: int = 0) -> None:
        self._value = start
        self._lock = threading.Lock()

    def increment(self, n: int = 1) -> int:
        self._lock.acquire()
        self._value += n
        result = self._value
        self._lock.release()
        return result

    def decrement(self, n: int = 1) -> int:
        self._lock.acquire()
        self._value -= n
        result = self._value
        self._lock.release()
        return result

    @property
    def value(self) -> int:
        with self._lock:
            return self._value
