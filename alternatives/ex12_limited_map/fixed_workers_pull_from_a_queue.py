# OK: no semaphore — exactly max_concurrent worker threads pull (index, item) pairs from a queue, and the first error is picked afterwards.
import queue
import threading


def map_limited(func, items, max_concurrent):
    if max_concurrent < 1:
        raise ValueError("max_concurrent must be >= 1")
    work = queue.Queue()
    count = 0
    for count, item in enumerate(items, 1):
        work.put((count - 1, item))
    outcomes = {}

    def worker():
        while True:
            try:
                index, item = work.get_nowait()
            except queue.Empty:
                return
            try:
                outcomes[index] = (True, func(item))
            except BaseException as exc:  # every kind reaches the caller
                outcomes[index] = (False, exc)

    workers = [threading.Thread(target=worker) for _ in range(min(max_concurrent, count))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ordered = [outcomes[i] for i in range(count)]
    for ok, value in ordered:
        if not ok:
            raise value
    return [value for _, value in ordered]
