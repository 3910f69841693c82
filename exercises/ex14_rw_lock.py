"""Exercise 14 — a readers-writer lock.

Many threads may read shared data at the same time, but a thread that writes must have it to
itself. Build a lock with two doors, `read()` and `write()`, on `threading.Condition`, and make
sure a writer that is waiting gets its turn even while new readers keep coming.
"""

import threading  # noqa: F401 - you will need threading.Condition
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """A lock that many readers can hold at once, or one writer alone.

    Use it as `with lock.read(): ...` or `with lock.write(): ...`. It is not re-entrant: a
    thread that holds it must not ask for it again.

    The checks call `read()` and `write()` from many threads at once, with thread switches
    forced inside your code, and hold the lock to this on every way out of a `with` block: a
    block that raises, even a `BaseException` such as KeyboardInterrupt, gives the lock back
    and wakes whoever waits for it. Two `ReadWriteLock` objects share nothing.
    """

    def __init__(self) -> None:
        """Make a free lock."""
        # TODO: a Condition, and the state it guards: how many readers are inside, whether a
        #       writer is inside, and how many writers are waiting to go in.
        raise NotImplementedError

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold the lock for reading for the length of a `with` block.

        Waits while a writer holds the lock *or is waiting for it* (so that a stream of readers
        cannot keep a writer out forever). Any number of readers may be inside together.
        """
        # TODO: wait until no writer is inside or waiting, and count this reader in; then
        #       `yield`, and in a `finally:` count it out and wake the waiters if it was the last.
        raise NotImplementedError

    @contextmanager
    def write(self) -> Iterator[None]:
        """Hold the lock for writing, alone, for the length of a `with` block.

        Waits until no reader and no other writer is inside.
        """
        # TODO: say that a writer waits, wait until the lock is free, and take it; then `yield`,
        #       and in a `finally:` give it back and wake the waiters.
        raise NotImplementedError
