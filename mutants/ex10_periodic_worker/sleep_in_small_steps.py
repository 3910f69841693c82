# BUG: the thread naps in 10 ms steps and checks a flag each time: polling with sleep, not waiting on an Event.
import threading
import time


class PeriodicWorker:
    def __init__(self, task, interval):
        self._task = task
        self._interval = interval
        self._stopped = False
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        due = time.monotonic() + self._interval
        while not self._stopped:
            time.sleep(0.01)
            if not self._stopped and time.monotonic() >= due:
                self._task()
                due += self._interval

    def stop(self):
        self._stopped = True
        if self._thread is not None:
            self._thread.join()

    @property
    def running(self):
        return self._thread is not None and not self._stopped
