"""Exercise 12 — a map with a concurrency limit.

Call `func` on every item, in threads, but never let more than `max_concurrent` calls run at
the same time — like a client that may open only so many connections to a server. A counting
semaphore (`threading.Semaphore`) is the classic tool for "at most N at once".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_limited(func: Callable[[T], R], items: Iterable[T], max_concurrent: int) -> list[R]:
    """Return `[func(item) for item in items]`, computed in threads, at most `max_concurrent` calls at a time.

    - Results come back in input order, whatever order the calls finish in.
    - When there is enough work, `max_concurrent` calls do run at the same time.
    - If a call raises, the other calls still run; once every call has finished, the exception of
      the first failing item (in input order) is raised: any kind of exception, `BaseException`
      subclasses too. A call that *returns* an exception object, or None, gives a value.
    - `items` may be any iterable, a one-shot generator too: read it once. Items may repeat, be
      falsy and be unhashable (lists, dicts): each position gets its own result.
    - Every thread you start has finished when `map_limited` returns or raises.
    - Raise `ValueError` if `max_concurrent` is less than 1, before calling `func` at all.
    """
    # TODO: check max_concurrent.
    # TODO: run each call in a thread that holds one of max_concurrent slots while func runs,
    #       and gives its slot back however func ends (returning or raising).
    # TODO: wait for every thread, then raise the first error or return the results in order.
    raise NotImplementedError
