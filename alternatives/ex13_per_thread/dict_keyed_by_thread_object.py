# OK: a lock-guarded WeakKeyDictionary keyed by the Thread object itself (unique while it lives) instead of threading.local.
import threading
import weakref


class PerThread:
    def __init__(self, factory):
        self.factory = factory
        self.by_thread = weakref.WeakKeyDictionary()
        self.guard = threading.Lock()

    def get(self):
        me = threading.current_thread()
        with self.guard:
            if me in self.by_thread:
                return self.by_thread[me]
        made = self.factory()  # outside the lock: a slow factory must not hold up other threads
        with self.guard:
            self.by_thread[me] = made
        return made
