# BUG: max_workers is never passed to the executor, so it runs as many threads as its own default allows.
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls: Iterable[str], fetch: Callable[[str], object], max_workers: int = 8) -> dict[str, object]:
    results: dict[str, object] = {}
    # The with block shuts the executor down on the way out, waiting for its threads, even if
    # something below raises.
    with ThreadPoolExecutor() as executor:
        # Submit everything before asking for any result: asking first would wait for each
        # fetch in turn, and nothing would overlap.
        futures = {url: executor.submit(fetch, url) for url in urls}
        for url, future in futures.items():
            try:
                results[url] = future.result()
            except BaseException as error:  # one failed fetch is a result too, not the end of the others
                results[url] = error
    return results
