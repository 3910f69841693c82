# BUG: only an Exception is handed on; a func raising a BaseException leaves its key "being computed", so every later call waits for ever.
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
        self._lock = threading.Lock()

    def __call__(self, key):
        with self._lock:
            entry = self._entries.get(key)
            mine = entry is None
            if mine:
                entry = self._entries[key] = _Pending()
        if not mine:
            entry.done.wait()
            if entry.error is not None:
                raise entry.error
            return entry.value
        try:
            entry.value = self._func(key)
        except Exception as error:
            entry.error = error
            with self._lock:
                del self._entries[key]
            entry.done.set()
            raise
        entry.done.set()
        return entry.value
