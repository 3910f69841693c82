"""Exercise 13 — one object per thread.

Some objects must never be shared between threads: a database connection, a random generator
with its own seed, a scratch buffer. `PerThread` hands each thread its own one, made by a
factory the first time that thread asks for it, and the same one every time after that.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerThread(Generic[T]):
    """Gives every thread its own object, made by `factory` in that thread on its first `get()`."""

    def __init__(self, factory: Callable[[], T]) -> None:
        """Remember `factory`; do not call it yet.

        Nothing is made until a thread calls `get()`: a thread that never asks costs nothing.
        """
        # TODO: keep the factory, and somewhere to keep each thread's own object.
        raise NotImplementedError

    def get(self) -> T:
        """This thread's object.

        The first call in a thread calls `factory()` (in that thread) and keeps what it returns;
        every later call in the same thread returns that same object. Another thread gets
        another object, even if it has the same name or starts after this one has ended. If
        `factory()` raises (any exception, a `BaseException` subclass too), the exception reaches
        the caller and nothing is kept, so the next `get()` in that thread calls `factory()` again.

        Whatever `factory()` returns is that thread's object, None and falsy objects (0, "", [])
        included: a factory that returns None is still called only once per thread. Any callable
        is a factory (a function, a lambda, a `functools.partial`, an object with `__call__`), and
        the checks call `get()` from many threads at once, on more than one `PerThread`.
        """
        # TODO: return this thread's object, making it first if this thread has none yet.
        raise NotImplementedError
