# OK: the "no-starve" semaphore recipe: a turnstile Lock that a waiting writer holds, a room Semaphore and a light switch.
import threading
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self):
        self.turnstile = threading.Lock()  # a writer waiting holds it, so new readers queue behind
        self.room_empty = threading.Semaphore(1)  # taken by the first reader in, given back by the last out
        self.count_lock = threading.Lock()
        self.readers = 0

    @contextmanager
    def read(self):
        with self.turnstile:
            pass
        with self.count_lock:
            self.readers += 1
            if self.readers == 1:
                self.room_empty.acquire()
        try:
            yield
        finally:
            with self.count_lock:
                self.readers -= 1
                if self.readers == 0:
                    self.room_empty.release()

    @contextmanager
    def write(self):
        self.turnstile.acquire()
        try:
            self.room_empty.acquire()
        finally:
            self.turnstile.release()
        try:
            yield
        finally:
            self.room_empty.release()
