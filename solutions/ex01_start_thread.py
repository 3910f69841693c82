"""Exercise 01 — start a thread (one reference solution among several possible)."""

import threading


def start_in_thread(func, *args):
    # Hand the thread the function itself and its arguments separately: `target=func(*args)`
    # would call func right here, in the caller's thread, and give the thread its result.
    thread = threading.Thread(target=func, args=args)
    # start(), not run(): start() makes the new thread, which then calls run() (and so func);
    # calling run() ourselves would run func in this thread and wait for it.
    thread.start()
    # No join() here: the caller decides whether and when to wait.
    return thread
