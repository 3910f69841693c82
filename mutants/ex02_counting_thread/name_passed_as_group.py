# BUG: `super().__init__(name)` passes the name positionally, where Thread expects group.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name)
        self.n_max = n_max
        self.count = 0

    def run(self):
        while self.count < self.n_max:
            self.count += 1
