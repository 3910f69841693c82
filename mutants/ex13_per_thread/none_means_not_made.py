# BUG: a None that the factory returned is taken for "nothing made yet", so a factory that returns None is called again on every get().
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._local = threading.local()

    def get(self):
        value = getattr(self._local, "value", None)
        if value is None:
            value = self._local.value = self._factory()
        return value
