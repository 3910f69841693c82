"""Hidden checks for exercise 15: the same behaviours as the public checks, tried in other ways."""

import functools
import operator

from kata.harness import Gauge, bounded, describe_threads, expect, learner_threads, outcome, record_threads, said

STUCK_ADVICE = "Is a thread waiting for a fetch that never finishes, or for an executor that is never shut down?"


def page_urls(n):
    return [f"https://example.org/page/{i}" for i in range(n)]


class OneShot:
    """An iterator over urls that can be read only once, like a file or a socket."""

    def __init__(self, items):
        self._items = iter(items)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._items)


def test_a_one_shot_iterator_is_fetched_in_max_workers_threads(exercise):
    """Seven urls from a one-shot iterator, max_workers=2: every url mapped, two fetches at a time."""
    gauge = Gauge(2, until_alone=True)
    got = bounded(exercise.fetch_all, OneShot(page_urls(7)), gauge, 2, what="fetch_all(iterator of 7 urls, fetch, max_workers=2)",
                  advice=STUCK_ADVICE, limit=5.0)
    expect(got == {u: u for u in page_urls(7)}, f"fetch_all(a one-shot iterator of 7 urls, fetch, max_workers=2), fetch returning its url: got {got!r}.")
    expect(gauge.peak == 2 and not gauge.timed_out, f"fetch_all(7 urls, fetch, max_workers=2): {gauge.peak} fetches ran at once at most; expected 2.")


def test_one_worker_fetches_one_at_a_time(exercise):
    """max_workers=1 runs the fetches one after another, and still maps them all."""
    gauge = Gauge(1, settle=0.02)
    got = bounded(exercise.fetch_all, page_urls(4), gauge, 1, what="fetch_all(4 urls, fetch, max_workers=1)", advice=STUCK_ADVICE)
    expect(
        got == {u: u for u in page_urls(4)} and gauge.peak == 1,
        f"fetch_all(4 urls, fetch, max_workers=1): got {got!r}, {gauge.peak} fetches at once; expected every url, one at a time.",
    )


def test_none_falsy_and_returned_exceptions_are_results(exercise):
    """fetch results that are None, 0, "" or an exception object it returns are mapped as they are."""
    returned = ValueError("returned, not raised")
    pages = dict(zip(page_urls(4), [None, 0, "", returned]))
    got = bounded(exercise.fetch_all, list(pages), pages.__getitem__, 2, what="fetch_all(4 urls, pages.__getitem__, max_workers=2)", advice=STUCK_ADVICE)
    expect(
        got == pages,
        f"fetch_all(4 urls, fetch, max_workers=2), fetch returning None, 0, '' and an exception object: got {got!r}, expected {pages!r}.",
    )
    expect(isinstance(got, dict) and got.get(page_urls(4)[3]) is returned, "An exception object that fetch returned should be mapped as that very object.")


def test_any_callable_fetches(exercise):
    """A functools.partial and an object with __call__ work as fetch."""

    class Client:
        def __call__(self, url):
            return len(url)

    for fetch in (functools.partial(operator.add, "GET "), Client()):
        shown = type(fetch).__name__
        wanted = page_urls(3)
        got = bounded(exercise.fetch_all, wanted, fetch, 2, what=f"fetch_all(3 urls, a {shown}, max_workers=2)", advice=STUCK_ADVICE)
        expected = {u: fetch(u) for u in wanted}
        expect(got == expected, f"fetch_all(3 urls, a {shown} as fetch, max_workers=2): got {got!r}, expected {expected!r}.")


def test_urls_that_raise_after_one_leave_no_thread(exercise):
    """An iterable of urls that raises after its first url: the error reaches the caller and no thread is left."""

    def nothing_to_read():
        yield from page_urls(1)
        raise PermissionError("cannot read the url list")

    with record_threads() as started:
        got = outcome(exercise.fetch_all, nothing_to_read(), str, 4, what="fetch_all(urls, str, max_workers=4), urls raising after one,", advice=STUCK_ADVICE)
    alive = [t for t in learner_threads(started) if t.is_alive()]
    expect(
        got.raised and type(got.error) is PermissionError,
        f"fetch_all(urls that raise PermissionError after one url, str) {said(got)}; expected the PermissionError.",
    )
    expect(not alive, f"fetch_all raised, and thread(s) {describe_threads(alive)} were still alive afterwards.")


def test_every_fetch_failing_is_mapped_and_leaves_no_thread(exercise):
    """Every fetch raising TimeoutError, one worker: every url maps to its own error, and no thread is left."""

    def unreachable(url):
        raise TimeoutError(f"{url} did not answer")

    with record_threads() as started:
        got = outcome(exercise.fetch_all, page_urls(3), unreachable, 1, what="fetch_all(3 urls, unreachable, max_workers=1)", advice=STUCK_ADVICE)
    alive = [t for t in learner_threads(started) if t.is_alive()]
    mapped = not got.raised and isinstance(got.value, dict) and all(
        type(got.value.get(u)) is TimeoutError and str(got.value[u]) == f"{u} did not answer" for u in page_urls(3))
    expect(mapped, f"fetch_all(3 urls, fetch, max_workers=1), every fetch raising TimeoutError, {said(got)}; expected each url mapped to its error.")
    expect(not alive, f"fetch_all returned, and thread(s) {describe_threads(alive)} were still alive afterwards.")


def test_keyboard_interrupt_and_system_exit_raised_by_fetches_are_mapped(exercise):
    """Fetches raising KeyboardInterrupt and SystemExit in worker threads, one worker: each url maps to its own exception."""
    raised = {page_urls(3)[0]: KeyboardInterrupt("stop page 0"), page_urls(3)[2]: SystemExit("exit page 2")}

    def fetch(url):
        if url in raised:
            raise raised[url]
        return len(url)

    with record_threads() as started:
        got = outcome(exercise.fetch_all, iter(page_urls(3)), fetch, 1, what="fetch_all(iter(3 urls), fetch, max_workers=1)", advice=STUCK_ADVICE)
    alive = [t for t in learner_threads(started) if t.is_alive()]
    expected = {page_urls(3)[1]: len(page_urls(3)[1]), **raised}
    mapped = not got.raised and isinstance(got.value, dict) and got.value.keys() == expected.keys() and all(
        got.value[u] is expected[u] or (u not in raised and got.value[u] == expected[u]) for u in expected)
    expect(
        mapped,
        f"fetch_all(iter(3 urls), fetch, max_workers=1), fetch raising KeyboardInterrupt for url 0 and SystemExit for url 2, {said(got)}; "
        f"expected {expected!r}: an exception of any kind raised by a fetch is that url's value.",
    )
    expect(not alive, f"fetch_all returned, and thread(s) {describe_threads(alive)} were still alive afterwards.")
