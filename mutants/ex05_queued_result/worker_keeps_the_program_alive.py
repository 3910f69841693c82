# BUG: the worker is not a daemon thread, so a program whose call timed out cannot exit while func still runs.
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

    threading.Thread(target=worker).start()
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


def parallel_map(func: Callable[[object], object], items: Iterable[object]) -> list:
    # Start every call before waiting for any: that is what makes them run at the same time.
    outcomes = [_start(func, (item,)) for item in items]
    results = []
    first_error = None
    # One queue per item, read in the order of the items: the results come out in input
    # order whatever order the threads finish in. Reading every queue, even after an error,
    # means we return only once every call has finished.
    for outcome in outcomes:
        try:
            results.append(_unpack(outcome, None))
        except BaseException as error:
            if first_error is None:
                first_error = error
    if first_error is not None:
        raise first_error
    return results
