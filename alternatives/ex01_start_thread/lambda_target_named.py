# OK: a lambda target, a name taken from func, and args turned into a list.
import threading


def start_in_thread(func, *args):
    arguments = list(args)
    worker = threading.Thread(target=lambda: func(*arguments), name=f"runs-{getattr(func, '__name__', 'func')}")
    worker.start()
    return worker
