# BUG: the worker catches only Exception: a BaseException subclass escapes the worker thread, nothing is put in the queue, and the caller waits forever.
import queue
import threading


def _start(func, args):
    outcome = queue.Queue(maxsize=1)

    def worker():
        try:
            outcome.put((True, func(*args)))
        except Exception as error:
            outcome.put((False, error))

    threading.Thread(target=worker, daemon=True).start()
    return outcome


def _unpack(outcome, timeout):
    try:
        ok, value = outcome.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"no result within {timeout} s") from None
    if not ok:
        raise value
    return value


def call_in_thread(func, *args, timeout=None):
    return _unpack(_start(func, args), timeout)


def parallel_map(func, items):
    outcomes = [_start(func, (item,)) for item in items]
    results = []
    first_error = None
    for outcome in outcomes:
        try:
            results.append(_unpack(outcome, None))
        except Exception as error:
            if first_error is None:
                first_error = error
    if first_error is not None:
        raise first_error
    return results
