# BUG: the counting is written in start() instead of run(): no thread is ever created.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0

    def start(self):
        while self.count < self.n_max:
            self.count += 1
