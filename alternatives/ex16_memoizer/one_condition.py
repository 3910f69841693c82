# OK: one Condition for all keys; waiters sleep on it and are woken with notify_all when any computation ends.
import threading


class _Attempt:
    def __init__(self):
        self.finished = False
        self.value = None
        self.error = None


class Memoizer:
    def __init__(self, func):
        self._func = func
        self._values = {}
        self._attempts = {}
        self._changed = threading.Condition()

    def __call__(self, key):
        with self._changed:
            if key in self._values:
                return self._values[key]
            attempt = self._attempts.get(key)
            if attempt is not None:
                while not attempt.finished:
                    self._changed.wait()
                if attempt.error is not None:
                    raise attempt.error
                return attempt.value
            attempt = self._attempts[key] = _Attempt()
        try:
            attempt.value = self._func(key)
        except BaseException as error:  # any exception, so the waiters are always told
            attempt.error = error
        with self._changed:
            attempt.finished = True
            del self._attempts[key]
            if attempt.error is None:
                self._values[key] = attempt.value
            self._changed.notify_all()
        if attempt.error is not None:
            raise attempt.error
        return attempt.value
