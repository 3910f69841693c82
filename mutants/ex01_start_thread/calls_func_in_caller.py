# BUG: `target=func(*args)` calls func at once in the caller's thread and gives the thread its result as target.
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func(*args))
    thread.start()
    return thread
