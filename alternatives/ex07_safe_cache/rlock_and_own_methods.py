# OK: an RLock, so get_or_compute may call the cache's own locking methods; snapshot copies entry by entry under it.
from threading import RLock


class SafeCache:
    _MISSING = object()

    def __init__(self):
        self.entries = {}
        self.guard = RLock()

    def set(self, key, value):
        with self.guard:
            self.entries[key] = value

    def get(self, key, default=None):
        with self.guard:
            return self.entries.get(key, default)

    def snapshot(self):
        with self.guard:
            copy = {}
            for key, value in self.entries.items():
                copy[key] = value
            return copy

    def __len__(self):
        with self.guard:
            return len(self.entries)

    def get_or_compute(self, key, factory):
        with self.guard:
            found = self.get(key, self._MISSING)
            if found is not self._MISSING:
                return found
            value = factory()
            self.set(key, value)
            return value
