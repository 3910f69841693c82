# BUG: each thread appends its result when it finishes, so the results come back in completion order.
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
    results: list = []
    errors: list[BaseException | None] = [None] * len(items)
    # A semaphore counts the free slots. Bounded: releasing more than was acquired is a bug we
    # want to hear about, not a silent extra slot.
    slots = threading.BoundedSemaphore(max_concurrent)

    def run(index: int, item: T) -> None:
        try:
            results.append(func(item))
        except BaseException as error:  # kept for the caller; the other calls go on
            errors[index] = error
        finally:
            # Whatever func did, the slot is given back, or the calls waiting for one never start.
            slots.release()

    threads = []
    for index, item in enumerate(items):
        # Taking the slot *before* starting the thread keeps at most max_concurrent threads
        # alive at once, however many items there are.
        slots.acquire()
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
