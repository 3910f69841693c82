# BUG: each thread is joined with timeout=1.0 "to be safe": a task that runs longer is still running when run_all returns.
import threading


def run_all(tasks):
    threads = [threading.Thread(target=task) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1.0)
