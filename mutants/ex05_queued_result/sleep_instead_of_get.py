# BUG: sleeps a guessed while, then takes whatever is in the queue without waiting; a slower call is missed.
import queue
import threading
import time


def call_in_thread(func, *args, timeout=None):
    box = queue.Queue()

    def worker():
        try:
            box.put((True, func(*args)))
        except Exception as error:
            box.put((False, error))

    threading.Thread(target=worker, daemon=True).start()
    time.sleep(0.5 if timeout is None else timeout)
    if box.empty():
        raise TimeoutError("no result in time")
    ok, value = box.get_nowait()
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

