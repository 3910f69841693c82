# OK: a try-lock with back-off (acquire(blocking=False); on failure give up the GIL, then sleep a little longer each time) instead of a blocking acquire.
import threading
import time


class Counter:
    def __init__(self, start=0):
        self._value = start
        self._lock = threading.Lock()

    def _locked(self):
        pause = 0.0  # the first retry only hands the GIL over; later ones wait a few microseconds more each time
        while not self._lock.acquire(blocking=False):
            time.sleep(pause)
            pause = min(pause + 1e-6, 2e-5)

    def _change(self, by):
        self._locked()
        try:
            self._value = self._value + by
            return self._value
        finally:
            self._lock.release()

    def increment(self, n=1):
        return self._change(n)

    def decrement(self, n=1):
        return self._change(-n)

    @property
    def value(self):
        self._locked()
        try:
            return self._value
        finally:
            self._lock.release()
