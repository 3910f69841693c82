"""Exercise 02 — a counting thread (one reference solution among several possible)."""

import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max: int, name: str | None = None) -> None:
        # Thread.__init__ sets up everything start(), join() and .name rely on; without it
        # start() refuses to run. name=None lets Thread choose its usual "Thread-N".
        super().__init__(name=name)
        self.n_max = n_max
        # Only prepare here: __init__ runs in the caller's thread, not in the new one.
        self.count = 0

    def run(self) -> None:
        # start() calls run() in the new thread, so this loop is the work that thread does.
        # Override run(), never start(): start() is what creates the thread.
        while self.count < self.n_max:
            self.count += 1
