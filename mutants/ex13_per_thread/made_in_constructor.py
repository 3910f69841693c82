# BUG: the constructing thread's object is made in __init__, and other threads get that one too.
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._local = threading.local()
        self._local.value = factory()
        self._default = self._local.value

    def get(self):
        return getattr(self._local, "value", self._default)
