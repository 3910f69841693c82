# BUG: one lock per key, but after a computation raises each waiting thread takes the key's lock and runs func again itself.
import threading


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._values = {}
        self._key_locks = {}
        self._lock = threading.Lock()

    def __call__(self, key):
        with self._lock:
            if key in self._values:
                return self._values[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = self._func(key)
            with self._lock:
                self._values[key] = value
            return value
