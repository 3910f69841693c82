# BUG: objects are kept in a dict keyed by the thread's name, but several threads can share a name.
import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._lock = threading.Lock()
        self._objects = {}

    def get(self):
        name = threading.current_thread().name
        with self._lock:
            if name not in self._objects:
                self._objects[name] = self._factory()
            return self._objects[name]
