# BUG: the loop adds to a local variable, never to self.count, so it never ends.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__(name=name)
        self.n_max = n_max
        self.count = 0

    def run(self):
        count = self.count
        while self.count < self.n_max:
            count += 1
