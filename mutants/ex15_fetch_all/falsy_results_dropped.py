# BUG: only truthy results are kept ("skip empty pages"): a url whose fetch returned None, 0, '' or [] is missing from the dict.
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
            # exception() waits for the fetch and gives what it raised, of any kind (a
            # BaseException too: in a worker thread it is an outcome like any other), or None.
            # One failed fetch is a result too, not the end of the others. `except
            # BaseException` around result() would do the same, but would also swallow a Ctrl-C
            # that reaches *this* thread while it waits.
            error = future.exception()
            if error is not None:
                results[url] = error
            elif future.result():  # skip empty pages
                results[url] = future.result()
    return results
