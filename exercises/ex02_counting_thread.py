"""Exercise 02 — a counting thread.

Instead of handing a Thread a target function, subclass Thread and put the thread's work in
`run()`. Write `CountingThread`: creating one only sets it up; once started, the new thread
counts `count` up from 0 to `n_max`.
"""

import threading


class CountingThread(threading.Thread):
    """A thread that counts: while it runs, `count` goes 1, 2, 3, … up to `n_max`.

        counter = CountingThread(3, name="counter")
        counter.count           # 0: nothing has run yet
        counter.start()
        counter.join()
        counter.count           # 3
        counter.name            # "counter"
    """

    def __init__(self, n_max: int, name: str | None = None) -> None:
        """Set the thread up without starting it: `count` is 0 and nothing is counted yet.

        `name` is the thread's name, as for any `threading.Thread`; with `None`, Thread picks
        its usual name ("Thread-1", "Thread-2", …). Otherwise it is a thread like any other:
        made in an ordinary thread it is not a daemon, so a program waits for its count.
        """
        # TODO: let Thread set itself up first (it needs the name), then set count to 0 and
        # keep n_max for later.
        raise NotImplementedError

    def run(self) -> None:
        """Count: add 1 to `count` at each step, until it equals `n_max`.

        `start()` calls this in the new thread. Calling it directly also counts, in the
        calling thread.
        """
        # TODO
        raise NotImplementedError
