# BUG: parallel_map collects results from one shared queue in the order the calls finish, not in input order.
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

    def worker(item):
        try:
            done.put((True, func(item)))
        except Exception as error:
            done.put((False, error))

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    results, first_error = [], None
    for _ in threads:
        ok, value = done.get()
        if ok:
            results.append(value)
        elif first_error is None:
            first_error = value
    if first_error is not None:
        raise first_error
    return results
