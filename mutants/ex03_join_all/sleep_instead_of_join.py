# BUG: sleeps for a guessed while instead of joining; a task that takes longer is still running afterwards.
import threading
import time


def run_all(tasks):
    for task in tasks:
        threading.Thread(target=task).start()
    time.sleep(1)
