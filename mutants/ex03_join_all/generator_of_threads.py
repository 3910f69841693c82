# BUG: the threads live in a generator expression, which the start loop uses up, so the join loop joins nothing.
import threading


def run_all(tasks):
    threads = (threading.Thread(target=task) for task in tasks)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
