# BUG: the constructor reads func.__name__ (for its lock's name), which a functools.partial or an object with __call__ does not have (AttributeError).
import threading


class _Pending:
    def __init__(self):
        self.done = threading.Event()
        self.value = None
        self.error = None


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._name = f"memo-{func.__name__}"
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
                with self._lock:
                    del self._entries[key]
                raise
            finally:
                entry.done.set()
            return entry.value
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value
