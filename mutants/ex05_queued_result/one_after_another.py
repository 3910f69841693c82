# BUG: parallel_map waits for each call before starting the next, so the calls run one after another.
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
    return [call_in_thread(func, item) for item in items]
