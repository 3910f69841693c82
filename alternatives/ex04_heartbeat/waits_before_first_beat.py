# OK: the first beat comes one interval after the start, and `from time import sleep`.
from threading import Thread
from time import sleep


def start_heartbeat(beat, interval):
    def forever():
        while True:
            sleep(interval)
            beat()

    t = Thread(target=forever)
    t.daemon = True
    t.start()
    return t
