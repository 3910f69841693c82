# BUG: a dict keyed by get_ident() — a new thread that reuses an ended thread's ident gets its object.
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._lock = threading.Lock()
        self._objects = {}

    def get(self):
        ident = threading.get_ident()
        with self._lock:
            if ident not in self._objects:
                self._objects[ident] = self._factory()
            return self._objects[ident]
