# BUG: event.wait() without a timeout blocks until stop(), so the task is never called periodically.
import threading


class PeriodicWorker:
    def __init__(self, task, interval):
        self._task = task
        self._interval = interval
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait():
            self._task()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def running(self):
        return self._thread is not None and not self._stop.is_set()
