# OK: a Thread subclass per task, and a join with a short timeout repeated until the thread has ended (Ctrl-C can get in between).
import threading


class TaskThread(threading.Thread):
    def __init__(self, task):
        super().__init__()
        self.task = task

    def run(self):
        self.task()


def run_all(tasks):
    threads = [TaskThread(task) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.05)
