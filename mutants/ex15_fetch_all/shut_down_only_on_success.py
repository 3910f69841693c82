# BUG: the executor is shut down only when everything went well: if reading the urls raises, fetch_all leaves its worker threads running.
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls, fetch, max_workers=8):
    executor = ThreadPoolExecutor(max_workers=max_workers)
    futures = {url: executor.submit(fetch, url) for url in urls}
    results = {}
    for url, future in futures.items():
        try:
            results[url] = future.result()
        except BaseException as error:
            results[url] = error
    executor.shutdown(wait=True)
    return results
