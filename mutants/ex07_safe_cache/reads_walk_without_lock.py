# BUG: get() and len() walk the entries without the lock ("reading is safe"), so a set() from another thread changes the dict under the walk.
import threading


class SafeCache:
    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()

    def set(self, key, value):
        with self._lock:
            self._data[key] = value

    def get(self, key, default=None):
        for stored, value in self._data.items():
            if stored == key:
                return value
        return default

    def snapshot(self):
        with self._lock:
            return dict(self._data)

    def __len__(self):
        return sum(1 for _ in self._data)

    def get_or_compute(self, key, factory):
        with self._lock:
            if key not in self._data:
                self._data[key] = factory()
            return self._data[key]
