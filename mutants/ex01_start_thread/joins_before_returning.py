# BUG: joins the thread before returning, so the caller waits for func to finish.
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=func, args=args)
    thread.start()
    thread.join()
    return thread
