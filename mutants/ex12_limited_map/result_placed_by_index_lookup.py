# BUG: each result is put at items.index(item), the first equal item's place, so a repeated item's result lands on its twin's slot and its own stays None.
import threading


def map_limited(func, items, max_concurrent):
    if max_concurrent < 1:
        raise ValueError("max_concurrent must be at least 1")
    items = list(items)
    results = [None] * len(items)
    errors = []
    slots = threading.Semaphore(max_concurrent)

    def run(item):
        try:
            results[items.index(item)] = func(item)
        except BaseException as error:
            errors.append((items.index(item), error))
        finally:
            slots.release()

    threads = []
    for item in items:
        slots.acquire()
        thread = threading.Thread(target=run, args=(item,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    if errors:
        raise min(errors, key=lambda pair: pair[0])[1]
    return results
