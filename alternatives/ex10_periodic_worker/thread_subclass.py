# OK: the worker is built around a Thread subclass that owns its Event; `running` asks the thread.
import threading


class _Loop(threading.Thread):
    def __init__(self, task, interval):
        super().__init__(daemon=True)
        self.task = task
        self.interval = interval
        self.halt = threading.Event()

    def run(self):
        while True:
            self.halt.wait(self.interval)
            if self.halt.is_set():
                break
            self.task()


class PeriodicWorker:
    def __init__(self, task, interval):
        self._loop = _Loop(task, interval)

    def start(self):
        self._loop.start()

    def stop(self):
        self._loop.halt.set()
        if self._loop.is_alive():
            self._loop.join()

    @property
    def running(self):
        return self._loop.is_alive() and not self._loop.halt.is_set()
