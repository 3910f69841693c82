"""Exercise 01 — start a thread.

Write `start_in_thread(func, *args)`: it runs `func(*args)` in a new thread and hands that thread
back to its caller, already running. It must not wait for `func` to finish: whoever called it
decides later whether to wait, with `join()`.
"""

import threading


def start_in_thread(func, *args):
    """Start a new thread that calls `func(*args)`, and return that thread.

    Arguments: `func` is any callable (a function, a lambda, a bound method, a `functools.partial`,
    an object with `__call__`); `args` are passed to it unchanged, as separate positional arguments
    (`start_in_thread(print, "a", 1)` calls `print("a", 1)`), falsy ones and None included.
    Each call starts its own thread.

    Returns: the `threading.Thread` that runs `func`, already started. It returns at once,
    while `func` may still be running. The thread is an ordinary (non-daemon) thread, so a
    program waits for it before it exits.
    """
    # TODO: make a threading.Thread that will call func with args, start it, and return it.
    raise NotImplementedError
