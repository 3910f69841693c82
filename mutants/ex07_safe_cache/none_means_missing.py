# BUG: get_or_compute treats a stored None as missing, so a factory that returns None is called again on every call.
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
            value = self._data.get(key)
            if value is None:
                value = factory()
                self._data[key] = value
            return value
