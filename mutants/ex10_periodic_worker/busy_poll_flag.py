# BUG: the thread polls a flag and the clock in a tight loop, burning a CPU core while it "waits".
import threading
import time


class PeriodicWorker:
    def __init__(self, task, interval):
        self._task = task
        self._interval = interval
        self._stopped = False
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self):
        due = time.monotonic() + self._interval
        while not self._stopped:
            if time.monotonic() >= due:
                self._task()
                due += self._interval

    def stop(self):
        self._stopped = True
        if self._thread is not None:
            self._thread.join()

    @property
    def running(self):
        return self._thread is not None and not self._stopped
