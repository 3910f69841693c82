# BUG: __init__ calls self.start(), so the thread counts before anyone starts it, and start() then fails.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0
        self.start()

    def run(self):
        while self.count < self.n_max:
            self.count += 1
