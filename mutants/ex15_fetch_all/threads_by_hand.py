# BUG: starts and joins threading.Thread objects by hand instead of using a ThreadPoolExecutor, as the exercise asks.
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


def fetch_all(urls: Iterable[str], fetch: Callable[[str], object], max_workers: int = 8) -> dict[str, object]:
    results: dict[str, object] = {}
    slots = threading.Semaphore(max_workers)

    def one(url: str) -> None:
        with slots:
            try:
                results[url] = fetch(url)
            except BaseException as error:
                results[url] = error

    threads = [threading.Thread(target=one, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
