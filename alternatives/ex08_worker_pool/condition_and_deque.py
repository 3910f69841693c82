# OK: one Condition guards a deque of tasks and a closed flag; handles wait on their own Condition; workers are daemon threads joined by shutdown.
import collections
import threading


class Task:
    def __init__(self, func, args):
        self.func, self.args = func, args
        self.finished = False
        self.value = None
        self.error = None
        self.cond = threading.Condition()

    def run(self):
        try:
            value, error = self.func(*self.args), None
        except BaseException as exc:  # every kind, or a BaseException would end the worker
            value, error = None, exc
        with self.cond:
            self.value, self.error, self.finished = value, error, True
            self.cond.notify_all()

    def result(self, timeout=None):
        with self.cond:
            if not self.cond.wait_for(lambda: self.finished, timeout):
                raise TimeoutError("task still running")
        if self.error is not None:
            raise self.error
        return self.value


class WorkerPool:
    def __init__(self, n_workers):
        if not n_workers >= 1:
            raise ValueError("need at least one worker")
        self.cond = threading.Condition()
        self.pending = collections.deque()
        self.closed = False
        self.threads = []
        for _ in range(n_workers):
            t = threading.Thread(target=self.loop, daemon=True)
            t.start()
            self.threads.append(t)

    def loop(self):
        while True:
            with self.cond:
                while not self.pending and not self.closed:
                    self.cond.wait()
                if not self.pending:  # closed and nothing left to do
                    return
                task = self.pending.popleft()
            task.run()

    def submit(self, func, *args):
        with self.cond:
            if self.closed:
                raise RuntimeError("the pool is shut down")
            task = Task(func, args)
            self.pending.append(task)
            self.cond.notify()
        return task

    def shutdown(self, wait=True):
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        if wait:
            for t in self.threads:
                t.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
