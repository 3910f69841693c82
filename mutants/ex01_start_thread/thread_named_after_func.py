# BUG: the thread is named after func.__name__, which a functools.partial or an object with __call__ does not have (AttributeError).
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func, args=args, name=f"run-{func.__name__}")
    thread.start()
    return thread
