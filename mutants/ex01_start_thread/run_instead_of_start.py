# BUG: run() instead of start() — func runs in the caller's thread and no new thread is made.
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func, args=args)
    thread.run()
    return thread
