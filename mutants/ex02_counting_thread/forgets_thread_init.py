# BUG: __init__ never calls Thread.__init__, so the thread is not set up: start() and .name fail.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        self.n_max = n_max
        self.count = 0

    def run(self):
        while self.count < self.n_max:
            self.count += 1
