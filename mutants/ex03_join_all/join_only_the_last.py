# BUG: only the last thread is joined (the loop variable after the loop); the others may still be running.
import threading


def run_all(tasks):
    thread = None
    for task in tasks:
        thread = threading.Thread(target=task)
        thread.start()
    if thread is not None:
        thread.join()
