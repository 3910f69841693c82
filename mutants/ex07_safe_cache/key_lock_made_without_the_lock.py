# BUG: the per-key lock is created without holding the cache's lock, so two threads can make two locks for one key and both compute it.
import threading


class SafeCache:
    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()
        self._key_locks = {}

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
        if key not in self._key_locks:
            self._key_locks[key] = threading.Lock()
        with self._key_locks[key]:
            with self._lock:
                if key in self._data:
                    return self._data[key]
            value = factory()
            with self._lock:
                self._data[key] = value
            return value
