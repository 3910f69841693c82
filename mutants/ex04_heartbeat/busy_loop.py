# BUG: between beats the thread spins on the clock instead of sleeping, burning a whole CPU core.
import threading
import time


def start_heartbeat(beat, interval):
    def loop():
        due = time.monotonic()
        while True:
            if time.monotonic() >= due:
                beat()
                due += interval

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread
