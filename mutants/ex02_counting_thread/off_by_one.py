# BUG: `<=` instead of `<`: the loop runs once more and count ends at n_max + 1.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0

    def run(self):
        while self.count <= self.n_max:
            self.count += 1
