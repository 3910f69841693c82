# OK: a concurrent.futures.Future per key carries the value or the exception to every waiter.
from concurrent.futures import Future
from threading import Lock


class Memoizer:
    def __init__(self, func):
        self.func = func
        self.futures = {}
        self.lock = Lock()

    def __call__(self, key):
        with self.lock:
            future = self.futures.get(key)
            owner = future is None
            if owner:
                future = self.futures[key] = Future()
        if owner:
            try:
                future.set_result(self.func(key))
            except BaseException as error:  # KeyboardInterrupt and SystemExit too: a waiter must not wait for ever
                with self.lock:
                    del self.futures[key]
                future.set_exception(error)
        return future.result()
