# BUG: parallel_map raises the first failure as soon as it reads it, while later calls are still running.
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
    results = []
    for box in outcomes:
        ok, value = box.get()
        if not ok:
            raise value
        results.append(value)
    return results
