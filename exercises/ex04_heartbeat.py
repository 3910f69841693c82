"""Exercise 04 — a heartbeat.

Start a thread that calls `beat()` every `interval` seconds for as long as the program runs.
Nothing ever stops a heartbeat, so it must not keep the program alive when the rest of the
program is done: make it a daemon thread.
"""

import threading
import time
from collections.abc import Callable


def start_heartbeat(beat: Callable[[], object], interval: float) -> threading.Thread:
    """Call `beat()` about every `interval` seconds, forever, in a new daemon thread.

    Returns that thread, already started, at once: the caller does not wait for any beat.
    Every call of `beat()` happens in the returned thread. Between beats the thread sleeps
    and uses no CPU; a program that starts a heartbeat still ends when its last line is done.
    `beat` may be any callable (a function, a `functools.partial`, an object with `__call__`);
    what it returns is ignored. The thread is a daemon whichever thread calls `start_heartbeat`.
    """
    # TODO: write the loop the thread runs: call beat(), then wait `interval` seconds, forever.
    # TODO: create a daemon thread that runs the loop, start it, and return it.
    raise NotImplementedError
