# BUG: get_or_compute holds the Lock and calls self.set(), which takes the same Lock again: the thread waits for itself forever.
import threading


class SafeCache:
    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()

    def set(self, key, value):
        with self._lock:
            self._data[key] = value

    def get(self, key, default=None):
        with self._lock:
            return self._data.get(key, default)

    def snapshot(self):
        with self._lock:
            return dict(self._data)

    def __len__(self):
        with self._lock:
            return len(self._data)

    def get_or_compute(self, key, factory):
        with self._lock:
            if key in self._data:
                return self._data[key]
            value = factory()
            self.set(key, value)
            return value
