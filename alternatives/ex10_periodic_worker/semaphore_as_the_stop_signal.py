# OK: no Event or Condition — the thread waits on a Semaphore(0) with the interval as timeout; stop() releases
# it once (under a lock, so twice is harmless), which cuts the wait short.
import threading


class PeriodicWorker:
    def __init__(self, task, interval):
        self._task = task
        self._interval = interval
        self._wake = threading.Semaphore(0)
        self._guard = threading.Lock()
        self._stopped = False
        self._thread = None

    def _loop(self):
        while not self._wake.acquire(timeout=self._interval):
            self._task()

    def start(self):
        with self._guard:
            if self._thread is not None or self._stopped:
                return
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()

    def stop(self):
        with self._guard:
            if not self._stopped:
                self._stopped = True
                self._wake.release()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    @property
    def running(self):
        return self._thread is not None and not self._stopped
