# BUG: run() sets count to n_max in one go instead of counting up to it.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0

    def run(self):
        self.count = self.n_max
