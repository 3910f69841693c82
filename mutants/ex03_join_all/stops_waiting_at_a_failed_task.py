# BUG: run_all stops joining at the first task that raised ("fail fast"), returning while later tasks still run.
import threading


def run_all(tasks):
    failed = threading.Event()

    def guarded(task):
        def run():
            try:
                task()
            except BaseException:
                failed.set()
                raise

        return run

    threads = [threading.Thread(target=guarded(task)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
        if failed.is_set():
            return
