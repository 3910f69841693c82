# BUG: when the factory raises, notify() wakes only one waiter, perhaps one for another key that waits again, so a waiter for the failed key is never woken.
import threading


class SafeCache:
    def __init__(self):
        self._entries = {}
        self._computing = set()
        self._changed = threading.Condition()

    def set(self, key, value):
        with self._changed:
            self._entries[key] = value

    def get(self, key, default=None):
        with self._changed:
            return self._entries.get(key, default)

    def snapshot(self):
        with self._changed:
            return self._entries.copy()

    def __len__(self):
        with self._changed:
            return len(self._entries)

    def get_or_compute(self, key, factory):
        with self._changed:
            while key in self._computing:
                self._changed.wait()
            if key in self._entries:
                return self._entries[key]
            self._computing.add(key)
        try:
            value = factory()
        except BaseException:
            with self._changed:
                self._computing.discard(key)
                self._changed.notify()  # a waiter tries again
            raise
        with self._changed:
            self._entries[key] = value
            self._computing.discard(key)
            self._changed.notify_all()
        return value
