# OK: `import concurrent.futures`, futures keyed by future, collected with as_completed, and an explicit shutdown in finally.
import concurrent.futures


def fetch_all(urls, fetch, max_workers=8):
    pool = concurrent.futures.ThreadPoolExecutor(max_workers)
    try:
        url_of = {pool.submit(fetch, url): url for url in urls}
        out = {}
        for future in concurrent.futures.as_completed(url_of):
            error = future.exception()
            out[url_of[future]] = error if error is not None else future.result()
        return out
    finally:
        pool.shutdown(wait=True)
