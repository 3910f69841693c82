# BUG: count is a class attribute changed through the class, so every CountingThread shares one count.
import threading


class CountingThread(threading.Thread):
    count = 0

    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max

    def run(self):
        for _ in range(self.n_max):
            CountingThread.count += 1
