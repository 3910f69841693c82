# BUG: thread.run() runs the loop in the caller's thread, so start_heartbeat never returns.
import threading
import time


def start_heartbeat(beat, interval):
    def loop():
        while True:
            beat()
            time.sleep(interval)

    thread = threading.Thread(target=loop, daemon=True)
    thread.run()
    return thread
