# BUG: the lambda calls func(args) — one tuple — instead of func(*args).
import threading


def start_in_thread(func, *args):
    thread = threading.Thread(target=lambda: func(args))
    thread.start()
    return thread
