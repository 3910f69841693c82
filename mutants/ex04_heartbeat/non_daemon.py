# BUG: the heartbeat thread is not a daemon, so a program that starts one can never end.
import threading
import time


def start_heartbeat(beat, interval):
    def loop():
        while True:
            beat()
            time.sleep(interval)

    thread = threading.Thread(target=loop)
    thread.start()
    return thread
