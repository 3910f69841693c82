# BUG: waits up to a second for func with join(timeout=1) "to make sure it ran" before returning.
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func, args=args)
    thread.start()
    thread.join(timeout=1)
    return thread
