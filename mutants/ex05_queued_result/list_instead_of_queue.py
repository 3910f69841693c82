# BUG: the result comes back through a list and join(), not a queue.Queue as the exercise asks.
import queue
import threading


def call_in_thread(func, *args, timeout=None):
    outcome = []

    def worker():
        try:
            outcome.append((True, func(*args)))
        except Exception as error:
            outcome.append((False, error))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise TimeoutError("no result in time")
    ok, value = outcome[0]
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

