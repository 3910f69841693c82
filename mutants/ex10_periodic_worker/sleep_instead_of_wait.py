# BUG: the thread sleeps with time.sleep(interval), so stop() has to wait out the rest of the interval.
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
        while True:
            time.sleep(self._interval)
            if self._stopped:
                return
            self._task()

    def stop(self):
        self._stopped = True
        if self._thread is not None:
            self._thread.join()

    @property
    def running(self):
        return self._thread is not None and not self._stopped
