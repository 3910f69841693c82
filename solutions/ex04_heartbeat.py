"""Exercise 04 — a heartbeat (one reference solution among several possible)."""

import threading
import time
from collections.abc import Callable


def start_heartbeat(beat: Callable[[], object], interval: float) -> threading.Thread:
    # daemon=True goes to the constructor: Python refuses to change the flag of a thread that
    # is already running. A daemon thread does not keep the program alive, which is what a
    # loop that never ends needs.
    thread = threading.Thread(target=_beat_forever, args=(beat, interval), name="heartbeat", daemon=True)
    thread.start()
    return thread


def _beat_forever(beat: Callable[[], object], interval: float) -> None:
    while True:
        beat()
        # Sleeping hands the CPU back until the next beat. Nothing ever needs to wake a
        # heartbeat early, so a plain sleep is enough here (compare exercise 10).
        time.sleep(interval)
