# BUG: only an Exception is mapped (`except Exception` around future.result()), so a fetch raising a BaseException
# makes fetch_all raise it, and every other result is lost.
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls: Iterable[str], fetch: Callable[[str], object], max_workers: int = 8) -> dict[str, object]:
    results: dict[str, object] = {}
    # The with block shuts the executor down on the way out, waiting for its threads, even if
    # something below raises.
    with ThreadPoolExecutor(max_workers=max_workers) as executor:
        # Submit everything before asking for any result: asking first would wait for each
        # fetch in turn, and nothing would overlap.
        futures = {url: executor.submit(fetch, url) for url in urls}
        for url, future in futures.items():
            try:
                results[url] = future.result()
            except Exception as error:  # one failed fetch is a result too, not the end of the others
                results[url] = error
    return results
