# BUG: each fetch is submitted and then waited for before the next is submitted, so nothing overlaps.
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls: Iterable[str], fetch: Callable[[str], object], max_workers: int = 8) -> dict[str, object]:
    results: dict[str, object] = {}
    # The with block shuts the executor down on the way out, waiting for its threads, even if
    # something below raises.
    with ThreadPoolExecutor(max_workers=max_workers) as executor:
        for url in urls:
            future = executor.submit(fetch, url)
            try:
                results[url] = future.result()
            except BaseException as error:  # one failed fetch is a result too, not the end of the others
                results[url] = error
    return results
