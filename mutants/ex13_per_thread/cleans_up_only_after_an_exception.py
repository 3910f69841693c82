# BUG: get() marks this thread's object as made before calling the factory and unmarks it only on an Exception, so after a BaseException (KeyboardInterrupt, SystemExit) the next get() finds "made" but no object and raises AttributeError.
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
