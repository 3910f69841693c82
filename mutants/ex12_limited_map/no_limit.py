# BUG: no semaphore at all: every item gets its thread at once, so max_concurrent is never enforced.
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_limited(func: Callable[[T], R], items: Iterable[T], max_concurrent: int) -> list[R]:
    if max_concurrent < 1:
        raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent}")
    items = list(items)
    # One slot per item, indexed by position: the order threads finish in does not matter.
    results: list = [None] * len(items)
    errors: list[BaseException | None] = [None] * len(items)

    def run(index: int, item: T) -> None:
        try:
            results[index] = func(item)
        except BaseException as error:  # kept for the caller; the other calls go on
            errors[index] = error

    threads = []
    for index, item in enumerate(items):
        thread = threading.Thread(target=run, args=(index, item), name=f"map-{index}")
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    # Only now, with every call finished, report the first failure in input order.
    for error in errors:
        if error is not None:
            raise error
    return results
