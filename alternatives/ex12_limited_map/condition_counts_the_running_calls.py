# OK: no semaphore — one thread per item is started at once, and each waits on a Condition until fewer than
# max_concurrent calls run; outcomes are (raised, value) pairs so a returned exception stays a value.
import threading


def map_limited(func, items, max_concurrent):
    if max_concurrent < 1:
        raise ValueError(f"max_concurrent must be at least 1, not {max_concurrent}")
    items = list(items)
    outcomes = [None] * len(items)
    running = 0
    turn = threading.Condition()

    def call(index, item):
        nonlocal running
        with turn:
            turn.wait_for(lambda: running < max_concurrent)
            running += 1
        try:
            outcomes[index] = (False, func(item))
        except BaseException as error:
            outcomes[index] = (True, error)
        finally:
            with turn:
                running -= 1
                turn.notify()

    threads = [threading.Thread(target=call, args=pair) for pair in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for raised, value in outcomes:
        if raised:
            raise value
    return [value for _, value in outcomes]
