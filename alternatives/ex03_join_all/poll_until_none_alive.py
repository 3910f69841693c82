# OK: waits by polling is_alive() with short sleeps instead of join() — wasteful, but it never returns early.
import threading
import time


def run_all(tasks):
    threads = list(map(lambda task: threading.Thread(target=task), tasks))
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.01)
