# OK: `from threading import Thread`, daemon threads, and joining in reverse order are all fine.
from threading import Thread


def run_all(tasks):
    threads = []
    for task in tasks:
        worker = Thread(target=task, daemon=True)
        worker.start()
        threads.append(worker)
    while threads:
        threads.pop().join()
