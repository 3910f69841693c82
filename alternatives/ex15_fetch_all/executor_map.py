# OK: executor.map over a wrapper that turns an exception into a value, in a subclass of ThreadPoolExecutor.
from concurrent import futures


class Fetcher(futures.ThreadPoolExecutor):
    pass


def fetch_all(urls, fetch, max_workers=8):
    urls = list(urls)

    def safe(url):
        try:
            return fetch(url)
        except BaseException as exc:  # of any kind: in a worker thread it is an outcome like any other
            return exc

    with Fetcher(max_workers=max_workers, thread_name_prefix="fetch") as ex:
        return dict(zip(urls, ex.map(safe, urls)))
