# BUG: urls is iterated twice (once to submit, once to zip the results back), so a generator of urls gives {} the second time round.
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls, fetch, max_workers=8):
    with ThreadPoolExecutor(max_workers=max_workers) as executor:
        futures = [executor.submit(fetch, url) for url in urls]
        results = {}
        for url, future in zip(urls, futures):
            try:
                results[url] = future.result()
            except BaseException as error:
                results[url] = error
        return results
