# BUG: a computation that raised is remembered: every later call re-raises the old exception instead of computing again.
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
        if mine:
            try:
                entry.value = self._func(key)
            except BaseException as error:
                entry.error = error
            finally:
                entry.done.set()
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value
