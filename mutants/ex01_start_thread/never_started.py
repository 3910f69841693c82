# BUG: returns the Thread without starting it, so func never runs.
import threading


def start_in_thread(func, *args):
    return threading.Thread(target=func, args=args)
