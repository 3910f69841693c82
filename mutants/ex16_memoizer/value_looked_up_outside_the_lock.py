# BUG: the remembered values are looked up before the lock is taken, apart from the computations in progress: a call
# that finds no value, then (once the lock is free) no computation, because one ended in between, computes the key again.
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
        if key in self.values:  # looked up before the lock is taken
            return self.values[key]
        with self.lock:
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
            if call.error is None:
                self.values[key] = call.value
            call.ended.notify_all()
        if call.error is not None:
            raise call.error
        return call.value
