# BUG: set() writes without the lock, so it can change the dict while snapshot() is copying it under the lock.
import threading


class SafeCache:
    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()

    def set(self, key, value):
        self._data[key] = value

    def get(self, key, default=None):
        with self._lock:
            return self._data.get(key, default)

    def snapshot(self):
        with self._lock:
            copy = {}
            for key in self._data:
                copy[key] = self._data[key]
            return copy

    def __len__(self):
        with self._lock:
            return len(self._data)

    def get_or_compute(self, key, factory):
        with self._lock:
            if key not in self._data:
                self._data[key] = factory()
            return self._data[key]
