# BUG: the entry for a new key is registered without the lock, so two threads can both register it and both compute.
import threading


class _Pending:
    def __init__(self):
        self.done = threading.Event()
        self.value = None
        self.error = None


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._entries = {}

    def __call__(self, key):
        entry = self._entries.get(key)
        mine = entry is None
        if mine:
            entry = _Pending()
            self._entries[key] = entry
        if not mine:
            entry.done.wait()
            if entry.error is not None:
                raise entry.error
            return entry.value
        try:
            entry.value = self._func(key)
        except BaseException as error:
            entry.error = error
            del self._entries[key]
            raise
        finally:
            entry.done.set()
        return entry.value
