"""Exercise 05 — getting a result back from a thread.

A thread's target cannot `return` anything to the code that started it. Make the worker put
its outcome (the value, or the exception it raised) into a `queue.Queue`, and let the caller
`get` it from there. Then use that to run many calls at once and collect their results.
"""

import queue
import threading
from collections.abc import Callable, Iterable


def call_in_thread(func: Callable[..., object], *args: object, timeout: float | None = None) -> object:
    """Call `func(*args)` in a new thread and return what it returns.

    The result travels back from the thread through a `queue.Queue`. If `func` raises, the
    same exception (same type, same message) is raised here, in the caller — whatever its
    kind: a `BaseException` that is not an `Exception` (such as `KeyboardInterrupt`) too. An
    exception object that `func` *returns* is a value like any other: return it, do not raise
    it. `None` is a value too. If no result has arrived after `timeout` seconds, raise the
    built-in `TimeoutError`; `timeout=0` means do not wait at all, and with `timeout=None`,
    wait as long as it takes. A call given up on after its timeout must not keep the program
    alive: a program that reaches its end exits without waiting for that func to return (run it
    in a daemon thread).

    call_in_thread(pow, 2, 10) returns 1024.
    """
    # TODO: make a queue.Queue, and a worker that calls func(*args) and puts the outcome in it:
    #       the value if it returned, the exception if it raised.
    # TODO: start the worker in a new thread, then get the outcome from the queue (with the timeout).
    # TODO: raise TimeoutError if nothing came in time; raise the exception if func raised.
    raise NotImplementedError


def parallel_map(func: Callable[[object], object], items: Iterable[object]) -> list:
    """Call `func(item)` for every item, all at the same time, each in its own thread.

    Return the results in the order of `items`, even when later items finish first:
    parallel_map(abs, [-1, 2, -3]) returns [1, 2, 3]. `items` may be any iterable, also a
    generator (read it once), and its items may repeat and need not be hashable: each item gets
    its own result in its own place. Returned values are values, exception objects and None
    included.
    If any call raises (any kind of exception, `BaseException` subclasses too), wait until
    every call has finished, then raise the exception of the first item (in the order of
    `items`) whose call raised.
    """
    # TODO: start one thread per item before waiting for any of them.
    # TODO: collect each item's outcome, and return the values in the order of the items.
    raise NotImplementedError
