# BUG: the timeout reaches get(), but its queue.Empty escapes instead of the built-in TimeoutError.
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
    ok, value = box.get(timeout=timeout)
    if not ok:
        raise value
    return value


def parallel_map(func, items):
    outcomes = []
    for item in items:
        box = queue.Queue()

        def worker(item=item, box=box):
            try:
                box.put((True, func(item)))
            except Exception as error:
                box.put((False, error))

        threading.Thread(target=worker).start()
        outcomes.append(box)
    results, first_error = [], None
    for box in outcomes:
        ok, value = box.get()
        if ok:
            results.append(value)
        elif first_error is None:
            first_error = value
    if first_error is not None:
        raise first_error
    return results

