# OK: Thread.__init__ called explicitly by class, a for loop assigning 1..n_max, no stored n_max name.
from threading import Thread


class CountingThread(Thread):
    def __init__(self, n_max, name=None):
        Thread.__init__(self, name=name, daemon=False)
        self.count = 0
        self.limit = n_max

    def run(self):
        for value in range(1, self.limit + 1):
            self.count = value
