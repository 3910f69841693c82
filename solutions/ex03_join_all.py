"""Exercise 03 — start them all, then join them all (one reference solution among several possible)."""

import threading
from collections.abc import Callable, Iterable


def run_all(tasks: Iterable[Callable[[], object]]) -> None:
    # Keep the threads in a list: `tasks` may be a generator that can be read only once, and
    # we need every thread again for the join.
    threads = [threading.Thread(target=task) for task in tasks]
    # Start them all before joining any, so they run at the same time. A join inside this
    # loop would wait for each task before starting the next one.
    for thread in threads:
        thread.start()
    # join() waits exactly as long as the thread needs, never more, never less: no sleep
    # can guess that. Joining in any order is fine; the total wait is the slowest task.
    for thread in threads:
        thread.join()
