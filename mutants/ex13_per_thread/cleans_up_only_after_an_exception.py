# BUG: "made" is set before the factory runs and cleared only on an Exception: after a BaseException the next get() finds no object (AttributeError).
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._local = threading.local()

    def get(self):
        if not getattr(self._local, "made", False):
            self._local.made = True
            try:
                self._local.value = self._factory()
            except Exception:
                self._local.made = False
                raise
        return self._local.value
