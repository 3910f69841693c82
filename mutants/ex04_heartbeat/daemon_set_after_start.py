# BUG: daemon is set after start() — Python raises RuntimeError and the running thread stays non-daemon.
import threading
import time


def start_heartbeat(beat, interval):
    def loop():
        while True:
            beat()
            time.sleep(interval)

    thread = threading.Thread(target=loop)
    thread.start()
    thread.daemon = True
    return thread
