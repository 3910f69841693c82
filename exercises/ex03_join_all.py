"""Exercise 03 — start them all, then join them all.

`run_all` gets some tasks and must run each one in its own thread, all at the same time. It
returns only when every task has finished: start every thread first, then wait for each one.
"""

import threading
from collections.abc import Callable, Iterable


def run_all(tasks: Iterable[Callable[[], object]]) -> None:
    """Run every task in its own thread, all at once, and return when all of them have finished.

    `tasks` is any iterable of callables that take no arguments (a list, or a generator that
    can be read only once): functions, bound methods, `functools.partial` objects, objects
    with `__call__`; their return values are ignored. A task that raises ends only its own
    thread: `run_all` still waits for every other task (passing the exception on afterwards
    is up to you). Nothing at all is fine:
    `run_all([])` returns at once. No thread that `run_all` started is still alive when it
    returns, however long each task takes: the checks hold a task for longer than any
    timeout you might pick, so wait as long as it takes rather than for a guessed while.
    """
    # TODO: make one threading.Thread per task and start each, so they all run together.
    # TODO: then wait until every one of those threads has finished.
    raise NotImplementedError
