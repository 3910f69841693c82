# OK: Thread.__init__ through super() with keyword arguments passed on, count advanced by itertools.count, n_max kept under another name.
import itertools
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None, **thread_options):
        super().__init__(name=name, **thread_options)
        self.count = 0
        self.goal = n_max

    def run(self):
        steps = itertools.count(1)
        while self.count < self.goal:
            self.count = next(steps)
