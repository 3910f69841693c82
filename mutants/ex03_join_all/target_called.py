# BUG: target=task() calls the task in the caller's thread (one after another); the thread gets its return value.
import threading


def run_all(tasks):
    threads = [threading.Thread(target=task()) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
