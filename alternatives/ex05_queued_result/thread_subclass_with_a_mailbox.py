# OK: a Thread subclass that carries its own queue.Queue; outcomes are ("returned", value) or ("raised", error) pairs; a timeout of 0 asks without blocking.
import queue
import threading


class Worker(threading.Thread):
    def __init__(self, func, args):
        super().__init__(daemon=True)
        self.func, self.args = func, args
        self.mailbox = queue.Queue()

    def run(self):
        try:
            self.mailbox.put(("returned", self.func(*self.args)))
        except BaseException as error:  # KeyboardInterrupt and friends must reach the caller too
            self.mailbox.put(("raised", error))

    def outcome(self, timeout=None):
        try:
            if timeout == 0:
                how, what = self.mailbox.get_nowait()
            else:
                how, what = self.mailbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.func!r} gave no result within {timeout} s") from None
        if how == "raised":
            raise what
        return what


def call_in_thread(func, *args, timeout=None):
    worker = Worker(func, args)
    worker.start()
    return worker.outcome(timeout)


def parallel_map(func, items):
    workers = [Worker(func, (item,)) for item in items]
    for worker in workers:
        worker.start()
    pairs = [worker.mailbox.get() for worker in workers]
    for how, what in pairs:
        if how == "raised":
            raise what
    return [what for _, what in pairs]
