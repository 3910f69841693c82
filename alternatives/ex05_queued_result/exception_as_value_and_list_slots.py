# OK: puts a wrapper or the bare value; parallel_map fills a list by index and joins (no queue needed there); `import queue as q`.
import queue as q
import threading


class _Failed:
    def __init__(self, error):
        self.error = error


def call_in_thread(func, *args, timeout=None):
    results = q.Queue(1)

    def run():
        try:
            value = func(*args)
        except BaseException as e:
            results.put(_Failed(e))
        else:
            results.put(value)

    threading.Thread(target=run, daemon=True).start()
    try:
        value = results.get(True, timeout)
    except q.Empty:
        raise TimeoutError("timed out") from None
    if isinstance(value, _Failed):
        raise value.error
    return value


def parallel_map(func, items):
    items = list(items)
    slots = [None] * len(items)

    def run(i):
        try:
            slots[i] = (True, func(items[i]))
        except BaseException as e:
            slots[i] = (False, e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(items))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [value for ok, value in slots if not ok]
    if errors:
        raise errors[0]
    return [value for _, value in slots]
