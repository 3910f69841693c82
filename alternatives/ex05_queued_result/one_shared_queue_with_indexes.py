# OK: `from queue import Queue`, dict outcomes, one shared queue of (index, outcome) for parallel_map, joined non-daemon threads.
import threading
from queue import Empty, Queue


def call_in_thread(func, *args, timeout=None):
    mailbox = Queue()

    def work():
        try:
            mailbox.put({"value": func(*args)})
        except BaseException as exc:
            mailbox.put({"error": exc})

    threading.Thread(target=work, daemon=True).start()
    try:
        outcome = mailbox.get(timeout=timeout)
    except Empty:
        raise TimeoutError(f"func did not finish within {timeout} seconds") from None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def parallel_map(func, items):
    mailbox = Queue()

    def work(index, item):
        try:
            mailbox.put((index, {"value": func(item)}))
        except BaseException as exc:
            mailbox.put((index, {"error": exc}))

    threads = [threading.Thread(target=work, args=(i, item)) for i, item in enumerate(items)]
    for t in threads:
        t.start()
    outcomes = [None] * len(threads)
    for _ in threads:
        index, outcome = mailbox.get()
        outcomes[index] = outcome
    for t in threads:
        t.join()
    for outcome in outcomes:
        if "error" in outcome:
            raise outcome["error"]
    return [outcome["value"] for outcome in outcomes]
