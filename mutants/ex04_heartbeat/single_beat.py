# BUG: no loop — the thread beats once, sleeps, and ends.
import threading
import time


def start_heartbeat(beat, interval):
    def once():
        beat()
        time.sleep(interval)

    thread = threading.Thread(target=once, daemon=True)
    thread.start()
    return thread
