# OK: a Thread subclass that overrides run(), imported name, explicit daemon=False.
from threading import Thread


class _Runner(Thread):
    def __init__(self, func, args):
        super().__init__(daemon=False)
        self._func = func
        self._args = args

    def run(self):
        self._func(*self._args)


def start_in_thread(func, *args):
    runner = _Runner(func, args)
    runner.start()
    return runner
