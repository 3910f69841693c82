# BUG: makes a daemon thread, which a program does not wait for when it exits.
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func, args=args, daemon=True)
    thread.start()
    return thread
