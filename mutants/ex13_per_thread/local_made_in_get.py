# BUG: a new threading.local() is made inside get(), so nothing is remembered from one call to the next.
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory

    def get(self):
        local = threading.local()
        if not hasattr(local, "value"):
            local.value = self._factory()
        return local.value
