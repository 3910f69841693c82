# OK: one thread per item, started at once; each thread takes a slot of a BoundedSemaphore itself (`with slots:`),
# so the caller never blocks while starting them; outcomes are (raised, value) pairs, so a returned exception
# stays a value.
import threading


def map_limited(func, items, max_concurrent):
    if max_concurrent < 1:
        raise ValueError(f"max_concurrent must be at least 1, not {max_concurrent}")
    slots = threading.BoundedSemaphore(max_concurrent)
    outcomes = {}

    def call(index, item):
        with slots:
            try:
                outcomes[index] = (False, func(item))
            except BaseException as error:
                outcomes[index] = (True, error)

    threads = []
    for index, item in enumerate(items):
        thread = threading.Thread(target=call, args=(index, item))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    ordered = [outcomes[i] for i in range(len(threads))]
    for raised, value in ordered:
        if raised:
            raise value
    return [value for _, value in ordered]
