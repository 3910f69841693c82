# BUG: when func raises, the entry is dropped but its event is never set, so the threads waiting for that key wait forever.
import threading


class _Pending:
    def __init__(self):
        self.done = threading.Event()
        self.value = None


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._entries = {}
        self._lock = threading.Lock()

    def __call__(self, key):
        with self._lock:
            entry = self._entries.get(key)
            mine = entry is None
            if mine:
                entry = self._entries[key] = _Pending()
        if not mine:
            entry.done.wait()
            return entry.value
        try:
            entry.value = self._func(key)
        except BaseException:
            with self._lock:
                del self._entries[key]
            raise
        entry.done.set()
        return entry.value
