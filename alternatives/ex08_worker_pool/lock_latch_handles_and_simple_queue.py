# OK: each handle is a Lock taken at creation and released once the task is done (a latch: result() takes it and
# gives it back), workers read a queue.SimpleQueue, shutdown sends one None per worker under the same lock
# submit holds.
import queue
import threading


class Handle:
    def __init__(self):
        self._latch = threading.Lock()
        self._latch.acquire()  # held until the task has run
        self._outcome = None

    def _done(self, raised, value):
        self._outcome = (raised, value)
        self._latch.release()

    def result(self, timeout=None):
        if not self._latch.acquire(timeout=-1 if timeout is None else timeout):
            raise TimeoutError("the task is still running")
        self._latch.release()  # let the next waiter through too
        raised, value = self._outcome
        if raised:
            raise value
        return value


class WorkerPool:
    def __init__(self, n_workers):
        if n_workers < 1:
            raise ValueError("a pool needs at least one worker")
        self._inbox = queue.SimpleQueue()
        self._gate = threading.Lock()
        self._open = True
        self._threads = [threading.Thread(target=self._serve) for _ in range(n_workers)]
        for thread in self._threads:
            thread.start()

    def _serve(self):
        for job in iter(self._inbox.get, None):
            func, args, handle = job
            try:
                value = func(*args)
            except BaseException as error:
                handle._done(True, error)
            else:
                handle._done(False, value)

    def submit(self, func, *args):
        handle = Handle()
        with self._gate:
            if not self._open:
                raise RuntimeError("the pool has been shut down")
            self._inbox.put((func, args, handle))
        return handle

    def shutdown(self, wait=True):
        with self._gate:
            if self._open:
                self._open = False
                for _ in self._threads:
                    self._inbox.put(None)
        if wait:
            me = threading.current_thread()
            for thread in self._threads:
                if thread is not me:
                    thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
