# OK: an RLock, a differently named attribute and separate method bodies are all fine.
from threading import RLock


class Counter:
    def __init__(self, start=0):
        self.guard = RLock()
        self.total = start

    def increment(self, n=1):
        with self.guard:
            self.total = self.total + n
            result = self.total
        return result

    def decrement(self, n=1):
        self.guard.acquire()
        try:
            self.total -= n
            return self.total
        finally:
            self.guard.release()

    @property
    def value(self):
        return self.total
