# BUG: one lock is held while func runs, so every key waits for the slowest computation (keys are serialized).
import threading


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._values = {}
        self._lock = threading.Lock()

    def __call__(self, key):
        with self._lock:
            if key not in self._values:
                self._values[key] = self._func(key)
            return self._values[key]
