# OK: each thread carries its own dict of objects, on its Thread object, keyed by the PerThread that made them; no lock, no threading.local.
import threading


class PerThread:
    def __init__(self, factory):
        self.factory = factory

    def get(self):
        mine = vars(threading.current_thread()).setdefault("_per_thread_objects", {})
        try:
            return mine[self]
        except KeyError:
            made = mine[self] = self.factory()
            return made
