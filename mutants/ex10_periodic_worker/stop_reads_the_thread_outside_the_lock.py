# BUG: stop() reads self.thread after leaving the Condition: a start() running at the same moment in another thread
# may have made its Thread but not yet started it (start holds the lock meanwhile), so stop() joins a thread that was
# never started and raises RuntimeError.
import threading
import time


class PeriodicWorker:
    def __init__(self, task, interval):
        self.task = task
        self.interval = interval
        self.cond = threading.Condition()
        self.stopped = False
        self.thread = None

    def start(self):
        with self.cond:
            if self.thread is not None:
                raise RuntimeError("already started")
            self.thread = threading.Thread(target=self.loop)
            self.thread.start()

    def loop(self):
        due = time.monotonic()
        while True:
            with self.cond:
                if self.cond.wait_for(lambda: self.stopped, timeout=max(0.0, due - time.monotonic())):
                    return
            self.task()
            due += self.interval

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        thread = self.thread
        if thread is not None:
            thread.join()

    @property
    def running(self):
        with self.cond:
            return self.thread is not None and not self.stopped
