# OK: the caller takes a semaphore slot before each submit and a done-callback gives it back; futures read after the pool has shut down.
import threading
from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls, fetch, max_workers=8):
    slots = threading.BoundedSemaphore(max_workers)
    submitted = []
    with ThreadPoolExecutor(max_workers) as pool:
        for url in urls:
            slots.acquire()
            future = pool.submit(fetch, url)
            future.add_done_callback(lambda _: slots.release())
            submitted.append((url, future))
    results = {}
    for url, future in submitted:
        error = future.exception()
        results[url] = future.result() if error is None else error
    return results
