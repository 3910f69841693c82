# BUG: parallel_map puts every outcome on one shared queue beside its item and places it at
# items.index(item): a repeated item's results all land in its first place; its later places stay None.
import queue
import threading
from collections.abc import Callable, Iterable


def _start(func: Callable[..., object], args: tuple) -> queue.Queue:
    """Start func(*args) in a new thread; return the queue its outcome will arrive on."""
    outcome: queue.Queue = queue.Queue(maxsize=1)

    def worker() -> None:
        # Catch everything: an exception that escapes a thread is printed and lost, and the
        # caller would wait for a result that never comes.
        try:
            outcome.put((True, func(*args)))
        except BaseException as error:
            outcome.put((False, error))

    # A daemon thread: if the caller gives up after a timeout, a func that never ends must
    # not keep the whole program from exiting.
    threading.Thread(target=worker, daemon=True).start()
    return outcome


def _unpack(outcome: queue.Queue, timeout: float | None) -> object:
    # get() blocks until the worker has put something, so there is no moment where we read a
    # result that is not there yet; the queue does the locking for us.
    try:
        ok, value = outcome.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"no result within {timeout} s") from None
    if not ok:
        raise value  # the very exception func raised: same type, same message
    return value


def call_in_thread(func: Callable[..., object], *args: object, timeout: float | None = None) -> object:
    return _unpack(_start(func, args), timeout)


def parallel_map(func, items):
    items = list(items)
    done = queue.Queue()

    def worker(item):
        try:
            done.put((item, True, func(item)))
        except BaseException as error:
            done.put((item, False, error))

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    results = [None] * len(items)
    errors = [None] * len(items)
    for _ in threads:
        item, ok, value = done.get()
        if ok:
            results[items.index(item)] = value
        else:
            errors[items.index(item)] = value
    for error in errors:
        if error is not None:
            raise error
    return results
