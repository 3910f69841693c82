# OK: a threading.Timer with no delay is a Thread too; it is started before it is returned and is non-daemon like any thread made by a non-daemon caller.
import threading


def start_in_thread(func, *args):
    timer = threading.Timer(0, func, args)
    timer.start()
    return timer
