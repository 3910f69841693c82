# BUG: `args=(args,)` wraps the tuple in another tuple, so func gets one tuple instead of the separate arguments.
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func, args=(args,))
    thread.start()
    return thread
