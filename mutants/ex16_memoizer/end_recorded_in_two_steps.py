# BUG: a computation's end is recorded in two steps under the lock, let go in between: a call arriving then finds the
# key neither being computed nor remembered, and computes it again.
import threading


class _Call:
    def __init__(self, lock):
        self.ended = threading.Condition(lock)
        self.finished = False
        self.value = None
        self.error = None


class Memoizer:
    def __init__(self, func):
        self.func = func
        self.lock = threading.Lock()
        self.values = {}
        self.running = {}

    def __call__(self, key):
        with self.lock:
            if key in self.values:
                return self.values[key]
            call = self.running.get(key)
            if call is not None:
                call.ended.wait_for(lambda: call.finished)
                if call.error is not None:
                    raise call.error
                return call.value
            call = self.running[key] = _Call(self.lock)
        try:
            call.value = self.func(key)
        except BaseException as error:  # whatever func raised, its waiters are told
            call.error = error
        with self.lock:
            call.finished = True
            del self.running[key]
        with self.lock:  # let go and taken again: for a moment the key is neither computed nor remembered
            if call.error is None:
                self.values[key] = call.value
            call.ended.notify_all()
        if call.error is not None:
            raise call.error
        return call.value
