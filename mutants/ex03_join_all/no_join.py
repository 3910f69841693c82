# BUG: the threads are started but never joined, so run_all returns while tasks are still running.
import threading


def run_all(tasks):
    for task in tasks:
        threading.Thread(target=task).start()
