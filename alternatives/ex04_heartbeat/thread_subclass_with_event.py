# OK: a Thread subclass that sets daemon before start and waits on an Event on a drift-free schedule.
import threading
import time


class Heartbeat(threading.Thread):
    def __init__(self, beat, interval):
        super().__init__(name="heartbeat")
        self.daemon = True
        self.beat = beat
        self.interval = interval
        self.never = threading.Event()

    def run(self):
        due = time.monotonic()
        while True:
            due += self.interval
            self.beat()
            self.never.wait(max(0.0, due - time.monotonic()))


def start_heartbeat(beat, interval):
    heartbeat = Heartbeat(beat, interval)
    heartbeat.start()
    return heartbeat
