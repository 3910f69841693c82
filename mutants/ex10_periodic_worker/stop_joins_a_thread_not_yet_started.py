# BUG: start() makes the thread and starts it without a lock, and stop() joins whatever thread it finds: a stop()
# racing start() joins a thread not yet started and raises RuntimeError.
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
        if self.thread is not None:
            self.thread.join()

    @property
    def running(self):
        with self.cond:
            return self.thread is not None and not self.stopped
