# BUG: the executor is never shut down, so its threads are left alive after fetch_all returns.
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls: Iterable[str], fetch: Callable[[str], object], max_workers: int = 8) -> dict[str, object]:
    results: dict[str, object] = {}
    executor = ThreadPoolExecutor(max_workers=max_workers)
    futures = {url: executor.submit(fetch, url) for url in urls}
    for url, future in futures.items():
        try:
            results[url] = future.result()
        except BaseException as error:
            results[url] = error
    return results
