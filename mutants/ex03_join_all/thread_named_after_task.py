# BUG: each thread is named after task.__name__, which a functools.partial or an object with __call__ does not have (AttributeError).
import threading


def run_all(tasks):
    threads = [threading.Thread(target=task, name=f"task-{task.__name__}") for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
