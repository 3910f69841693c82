# BUG: range(1, n_max) stops one short: count ends at n_max - 1.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0

    def run(self):
        for i in range(1, self.n_max):
            self.count = i
