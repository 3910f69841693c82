# OK: concurrent.futures.ThreadPoolExecutor(max_workers=max_concurrent) does the limiting; leaving the with block waits for every call.
from concurrent.futures import ThreadPoolExecutor


def map_limited(func, items, max_concurrent):
    if max_concurrent < 1:
        raise ValueError(f"max_concurrent={max_concurrent} is below 1")
    with ThreadPoolExecutor(max_workers=max_concurrent) as pool:
        futures = [pool.submit(func, item) for item in items]
    return [future.result() for future in futures]
