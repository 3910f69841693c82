# OK: the factory runs outside the cache's lock (one lock per key being computed), and reads copy at C level without a lock.
import threading


class SafeCache:
    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()
        self._computing = {}  # key -> Lock held while that key's factory runs

    def set(self, key, value):
        with self._lock:
            self._data[key] = value

    def get(self, key, default=None):
        return self._data.get(key, default)  # one C-level call: atomic on CPython

    def snapshot(self):
        return self._data.copy()  # one C-level call: atomic on CPython

    def __len__(self):
        return len(self._data)

    def get_or_compute(self, key, factory):
        with self._lock:
            if key in self._data:
                return self._data[key]
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:  # computed while we waited for key_lock
                    return self._data[key]
            value = factory()
            with self._lock:
                self._data[key] = value
                self._computing.pop(key, None)
            return value
