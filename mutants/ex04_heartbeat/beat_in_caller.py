# BUG: the first beat happens in the caller's thread before the heartbeat thread starts.
import threading
import time


def start_heartbeat(beat, interval):
    def loop():
        while True:
            time.sleep(interval)
            beat()

    beat()
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread
