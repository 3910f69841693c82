# BUG: get() calls the factory every time instead of keeping the thread's first object.
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._local = threading.local()

    def get(self):
        self._local.value = self._factory()
        return self._local.value
