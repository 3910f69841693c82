# BUG: one module-level threading.local serves every PerThread, so two PerThreads share one slot.
import threading

_local = threading.local()


class PerThread:
    def __init__(self, factory):
        self._factory = factory

    def get(self):
        if not hasattr(_local, "value"):
            _local.value = self._factory()
        return _local.value
