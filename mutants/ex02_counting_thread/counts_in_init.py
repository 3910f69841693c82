# BUG: counts in __init__, in the caller's thread, before the thread is even started.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0
        while self.count < self.n_max:
            self.count += 1

    def run(self):
        pass
