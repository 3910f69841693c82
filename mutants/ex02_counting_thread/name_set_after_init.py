# BUG: sets self.name = name itself after a bare Thread.__init__(), so name=None names the thread "None".
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max, name=None):
        super().__init__()
        self.name = name
        self.n_max = n_max
        self.count = 0

    def run(self):
        while self.count < self.n_max:
            self.count += 1
