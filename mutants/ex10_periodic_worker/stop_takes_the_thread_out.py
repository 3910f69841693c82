# BUG: stop() takes the thread out under the lock (`thread, self._thread = self._thread, None`): a second stop()
# called while the first is still joining finds no thread and returns at once, before the thread has ended.
import threading
from collections.abc import Callable


class PeriodicWorker:
    """Calls `task()` about every `interval` seconds in its own thread, from start() until stop()."""

    def __init__(self, task: Callable[[], object], interval: float) -> None:
        self._task = task
        self._interval = interval
        # The thread waits on this event instead of sleeping: wait(timeout) returns after the
        # interval, or at once when stop() sets the event, and uses no CPU meanwhile.
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # start() and stop() from different threads see one _thread

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("a PeriodicWorker can be started only once")
            self._thread = threading.Thread(target=self._run, name="periodic-worker", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        # wait() returns True once the event is set: the loop ends without calling task again.
        while not self._stopping.wait(self._interval):
            self._task()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            thread, self._thread = self._thread, None  # taken out: the next stop() finds nothing to join
        # join() is what makes "the thread has ended" true when stop returns. Before start there
        # is nothing to join; a task that calls stop() itself must not join its own thread.
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stopping.is_set()
