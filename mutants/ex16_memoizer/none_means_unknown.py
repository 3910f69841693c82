# BUG: a remembered None is taken for "not computed yet", so a func that returns None runs again on every call.
import threading


class _Pending:
    def __init__(self):
        self.done = threading.Event()
        self.value = None
        self.error = None


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._values = {}
        self._pending = {}
        self._lock = threading.Lock()

    def __call__(self, key):
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                return value
            entry = self._pending.get(key)
            mine = entry is None
            if mine:
                entry = self._pending[key] = _Pending()
        if not mine:
            entry.done.wait()
            if entry.error is not None:
                raise entry.error
            return entry.value
        try:
            entry.value = self._func(key)
        except BaseException as error:
            entry.error = error
            raise
        finally:
            with self._lock:
                if entry.error is None:
                    self._values[key] = entry.value
                del self._pending[key]
            entry.done.set()
        return entry.value
