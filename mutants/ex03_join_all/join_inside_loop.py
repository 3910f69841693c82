# BUG: each thread is joined right after it is started, so the tasks run one after another.
import threading


def run_all(tasks):
    for task in tasks:
        thread = threading.Thread(target=task)
        thread.start()
        thread.join()
