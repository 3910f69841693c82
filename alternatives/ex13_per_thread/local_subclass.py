# OK: a threading.local subclass with a sentinel default, and the factory call in a helper method.
import threading

_MISSING = object()


class _Slot(threading.local):
    value = _MISSING


class PerThread:
    def __init__(self, factory):
        self._make = factory
        self._slot = _Slot()

    def _first(self):
        self._slot.value = self._make()
        return self._slot.value

    def get(self):
        value = self._slot.value
        return self._first() if value is _MISSING else value
