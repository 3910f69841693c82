# BUG: starts the thread correctly but forgets to return it, so the caller cannot join it.
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func, args=args)
    thread.start()
