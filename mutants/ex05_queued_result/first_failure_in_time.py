# BUG: parallel_map raises the failure that happened first in time, not the one of the first item in input order.
import queue
import threading


def call_in_thread(func, *args, timeout=None):
    box = queue.Queue()

    def worker():
        try:
            box.put((True, func(*args)))
        except Exception as error:
            box.put((False, error))

    threading.Thread(target=worker, daemon=True).start()
    try:
        ok, value = box.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError("no result in time") from None
    if not ok:
        raise value
    return value


def parallel_map(func, items):
    done = queue.Queue()

    def worker(index, item):
        try:
            done.put((index, True, func(item)))
        except Exception as error:
            done.put((index, False, error))

    threads = [threading.Thread(target=worker, args=pair) for pair in enumerate(items)]
    for thread in threads:
        thread.start()
    results, first_error = {}, None
    for _ in threads:
        index, ok, value = done.get()
        if ok:
            results[index] = value
        elif first_error is None:
            first_error = value
    if first_error is not None:
        raise first_error
    return [results[i] for i in range(len(threads))]
