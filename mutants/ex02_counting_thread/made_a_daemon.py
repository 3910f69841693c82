# BUG: passes daemon=True to Thread.__init__: a program that ends before the count is done cuts it off halfway.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name, daemon=True)
        self.n_max = n_max
        self.count = 0

    def run(self):
        while self.count < self.n_max:
            self.count += 1
