"""Exercise 15 — fetch many URLs at once.

Fetching a URL mostly waits on the network, so many fetches can wait at the same time. Use
`concurrent.futures.ThreadPoolExecutor` to run `fetch(url)` for every URL in a pool of threads,
and collect each URL's result — or the exception its fetch raised — into one dictionary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor


def fetch_all(urls: Iterable[str], fetch: Callable[[str], object], max_workers: int = 8) -> dict[str, object]:
    """Return `{url: fetch(url)}` for every url, fetched in up to `max_workers` threads at once.

    - Use a `ThreadPoolExecutor` with `max_workers` threads.
    - If `fetch(url)` raises, map that url to the exception object instead of raising it: one
      failed fetch must not hide the others' results. That holds for exceptions of every kind,
      a `BaseException` that is not an `Exception` (`KeyboardInterrupt`, `SystemExit`, your own)
      too: raised in a worker thread, it is that fetch's outcome like any other. (A Ctrl-C
      pressed while `fetch_all` waits is raised in the caller's thread, not by a fetch, and
      still stops it: `future.exception()` tells the two apart.)
    - `urls` may be any iterable, a generator or another one-shot iterator too: read it once.
    - Whatever `fetch(url)` returns is that url's result: None, 0, "" and an exception object it
      *returns* are mapped as they are. `fetch` may be any callable.
    - When `fetch_all` returns, the executor has been shut down and none of its threads is left
      running. That holds on every way out: if reading `urls` raises, that exception reaches the
      caller, and the executor is still shut down first.
    """
    # TODO: make the executor, so that it is shut down however this function ends.
    # TODO: submit every fetch first, then collect the results (or exceptions) by url.
    raise NotImplementedError
