# BUG: start() counts in the caller's thread and only then starts a thread that does nothing.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0

    def start(self):
        for _ in range(self.n_max):
            self.count += 1
        super().start()
