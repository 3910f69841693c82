# BUG: one object, made on the first get(), is handed to every thread — it is shared, not per thread.
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._lock = threading.Lock()
        self._value = None
        self._made = False

    def get(self):
        with self._lock:
            if not self._made:
                self._value = self._factory()
                self._made = True
            return self._value
