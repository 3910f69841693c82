# BUG: when the factory raises, None is kept for the thread, so later calls never try again.
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._local = threading.local()

    def get(self):
        if not hasattr(self._local, "value"):
            self._local.value = None
            self._local.value = self._factory()
        return self._local.value
