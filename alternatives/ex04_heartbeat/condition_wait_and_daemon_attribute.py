# OK: waits on a Condition nobody notifies (wait(interval) under its lock), and sets daemon as an attribute before start().
import threading


def start_heartbeat(beat, interval):
    pause = threading.Condition()

    def loop():
        with pause:
            while True:
                beat()
                pause.wait(interval)

    thread = threading.Thread(target=loop)
    thread.daemon = True
    thread.start()
    return thread
