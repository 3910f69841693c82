# OK: read() and write() return small guard objects with __enter__/__exit__; an RLock-based Condition, notify only when needed.
from threading import Condition


class _Guard:
    def __init__(self, enter, leave):
        self._enter = enter
        self._leave = leave

    def __enter__(self):
        self._enter()
        return self

    def __exit__(self, *exc_info):
        self._leave()
        return False


class ReadWriteLock:
    def __init__(self):
        self.cond = Condition()
        self.active_readers = 0
        self.writer_active = False
        self.writers_queued = 0

    def read(self):
        return _Guard(self._start_read, self._end_read)

    def write(self):
        return _Guard(self._start_write, self._end_write)

    def _start_read(self):
        with self.cond:
            while self.writer_active or self.writers_queued > 0:
                self.cond.wait()
            self.active_readers += 1

    def _end_read(self):
        with self.cond:
            self.active_readers -= 1
            if self.active_readers == 0 and self.writers_queued:
                self.cond.notify_all()

    def _start_write(self):
        with self.cond:
            self.writers_queued += 1
            try:
                while self.writer_active or self.active_readers > 0:
                    self.cond.wait()
            finally:
                self.writers_queued -= 1
            self.writer_active = True

    def _end_write(self):
        with self.cond:
            self.writer_active = False
            self.cond.notify_all()
