# BUG: len() counts the entries one by one without the lock, so a set() from another thread changes the dict while it counts.
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
        count = 0
        for _ in self._data:
            count += 1
        return count

    def get_or_compute(self, key, factory):
        with self._lock:
            if key not in self._data:
                self._data[key] = factory()
            return self._data[key]
