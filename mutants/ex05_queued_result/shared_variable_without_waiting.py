# BUG: the result is read from a shared variable right after start(), without waiting for the worker.
import queue
import threading


def call_in_thread(func, *args, timeout=None):
    box = queue.Queue()
    outcome = {}

    def worker():
        try:
            outcome["value"] = func(*args)
        except Exception as error:
            outcome["error"] = error
        box.put(outcome)

    threading.Thread(target=worker, daemon=True).start()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


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

