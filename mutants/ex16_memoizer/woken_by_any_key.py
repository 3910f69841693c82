# BUG: one Condition for all keys and `if`, not `while`, around the wait: another key finishing wakes a waiter, which returns None too early.
import threading


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._values = {}
        self._computing = set()
        self._changed = threading.Condition()

    def __call__(self, key):
        with self._changed:
            if key in self._values:
                return self._values[key]
            if key in self._computing:
                self._changed.wait()
                return self._values.get(key)
            self._computing.add(key)
        try:
            value = self._func(key)
        except BaseException:
            with self._changed:
                self._computing.discard(key)
                self._changed.notify_all()
            raise
        with self._changed:
            self._values[key] = value
            self._computing.discard(key)
            self._changed.notify_all()
        return value
