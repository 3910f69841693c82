"""Checks for exercise 15: fetch_all overlaps fetches in a ThreadPoolExecutor, maps errors, leaves no thread behind."""

from __future__ import annotations

import functools
import itertools
import threading
import time

from kata.harness import (
    QUICK,
    Call,
    Company,
    Gauge,
    calls,
    describe_threads,
    executors_made,
    expect,
    learner_threads,
    real_sleep,
    record_threads,
    said,
    waited_for,
)

STUCK_ADVICE = "Is a thread waiting for a fetch that never finishes, or for an executor that is never shut down?"

# The harness's bounded calls, giving this exercise's advice when they hang.
outcome = functools.partial(calls.outcome, advice=STUCK_ADVICE)
bounded = functools.partial(calls.bounded, advice=STUCK_ADVICE)


#: Why a fetch stopped waiting for the others, when that was proved rather than waited out.
WAITED_ALONE = ", while every other thread waited with no timeout, so no other fetch could start"


def urls(n: int) -> list[str]:
    return [f"https://example.com/{i}" for i in range(n)]


def gauged(exercise, max_workers: int | None, count: int) -> Gauge:
    limit = 8 if max_workers is None else max_workers
    gauge = Gauge(limit, until_alone=True)
    args = () if max_workers is None else (max_workers,)
    shown = "" if max_workers is None else f", max_workers={max_workers}"
    got = bounded(exercise.fetch_all, urls(count), gauge, *args, limit=QUICK + 1.0, what=f"fetch_all({count} urls, fetch{shown})")
    expected = {u: u for u in urls(count)}
    expect(got == expected, f"fetch_all({count} urls, fetch{shown}) with fetch returning its url: got {got!r}, expected {expected!r}.")
    return gauge


def test_maps_every_url_to_its_result(exercise):
    pages = {u: f"<html>{i}</html>" for i, u in enumerate(urls(5))}
    got = bounded(exercise.fetch_all, list(pages), pages.get, 3, what="fetch_all(5 urls, pages.get, max_workers=3)")
    expect(isinstance(got, dict), f"fetch_all(...) returned a {type(got).__name__}, expected a dict from url to result.")
    expect(got == pages, f"fetch_all({list(pages)!r}, fetch, max_workers=3), fetch(url) returning that url's page: got {got!r}, expected {pages!r}.")
    got = bounded(exercise.fetch_all, [], pages.get, what="fetch_all([], fetch)")
    expect(got == {}, f"fetch_all([], fetch) returned {got!r}, expected {{}}.")


def test_none_and_falsy_results_are_mapped_as_they_are(exercise):
    pages = dict(zip(urls(4), [None, 0, "", []]))
    what = "fetch_all(4 urls, fetch, max_workers=2), fetch returning None, 0, '' and []"
    got = bounded(exercise.fetch_all, list(pages), pages.__getitem__, 2, what=what)
    expect(
        got == pages,
        f"{what}: got {got!r}, expected {pages!r}. Whatever fetch returns is that url's result, an empty or "
        "false one too: map every url, and tell results from failures by whether fetch raised, not by the value.",
    )


def test_an_exception_is_mapped_not_raised(exercise):
    errors = {u: OSError(f"cannot reach {u}") for u in urls(6)[1::2]}

    def fetch(url: str) -> str:
        if url in errors:
            raise errors[url]
        return url.upper()

    value, error = outcome(exercise.fetch_all, urls(6), fetch, 3, what="fetch_all(6 urls, fetch, max_workers=3)")
    expect(
        error is None,
        f"fetch_all(6 urls, fetch, max_workers=3), where 3 fetches raise OSError, raised {type(error).__name__}({str(error)!r}). "
        "A failed fetch is a result too: catch its exception and map the url to it, so the other results are not lost.",
    )
    for url in urls(6):
        got = value.get(url, "nothing") if isinstance(value, dict) else value
        if url in errors:
            expect(
                isinstance(got, OSError) and str(got) == str(errors[url]),
                f"fetch({url!r}) raised OSError({str(errors[url])!r}); fetch_all mapped that url to {got!r}, expected the exception object itself.",
            )
        else:
            expect(got == url.upper(), f"fetch({url!r}) returned {url.upper()!r}; fetch_all mapped it to {got!r}.")


class Halt(BaseException):
    """A BaseException that is not an Exception."""


def test_a_base_exception_that_fetch_raises_is_mapped_too(exercise):
    halt = Halt("fetch gave up")

    def fetch(url: str) -> str:
        if url == urls(4)[1]:
            raise halt
        return url.upper()

    what = "fetch_all(4 urls, fetch, max_workers=2), where fetch(url 1) raises Halt('fetch gave up') (a BaseException, not an Exception),"
    value, error = outcome(exercise.fetch_all, urls(4), fetch, 2, what=what)
    expect(
        error is None,
        f"{what} raised {type(error).__name__}({str(error)!r}). Exceptions of every kind are a fetch's outcome: map the url to "
        "it as to any exception. `except Exception` lets a BaseException through; future.exception() returns what the "
        "fetch raised, whatever its kind.",
    )
    expected = {u: u.upper() for u in urls(4)} | {urls(4)[1]: halt}
    expect(
        isinstance(value, dict) and value.keys() == expected.keys() and all(value[u] is halt if u == urls(4)[1] else value[u] == expected[u] for u in expected),
        f"{what} returned {value!r}; expected {expected!r}, url 1 mapped to the Halt object itself.",
    )

def test_urls_may_be_a_generator(exercise):
    wanted = urls(5)
    got = bounded(exercise.fetch_all, (u for u in wanted), str.upper, 3, what="fetch_all((url for url in 5 urls), str.upper, max_workers=3)")
    expected = {u: u.upper() for u in wanted}
    expect(
        got == expected,
        f"fetch_all(urls, fetch, max_workers=3), with urls a generator of 5 urls: got {got!r}, expected {expected!r}. "
        "A generator can be read only once: a second loop over it (to zip the results back, say) finds it empty. "
        "Read urls once, and keep each url beside its future.",
    )


def test_an_error_reading_the_urls_reaches_the_caller_and_leaves_no_thread(exercise):
    def broken_off():
        yield from urls(3)
        raise LookupError("the list of urls broke off after 3")

    with record_threads() as started:
        got = outcome(exercise.fetch_all, broken_off(), str.upper, 3, what="fetch_all(urls, fetch, max_workers=3), urls raising after 3,")
    alive = [t for t in learner_threads(started) if t.is_alive()]
    expect(
        got.raised and type(got.error) is LookupError and str(got.error) == "the list of urls broke off after 3",
        f"fetch_all(urls, fetch, max_workers=3), where reading urls raises LookupError after 3 urls, {said(got)}; "
        "expected that LookupError to reach the caller (it belongs to no url, so it cannot be mapped).",
    )
    expect(
        not alive,
        f"fetch_all(urls, fetch, max_workers=3) raised because reading urls raised, and thread(s) {describe_threads(alive)} "
        "were still alive afterwards. Every way out of fetch_all shuts the executor down: a `with "
        "ThreadPoolExecutor(...) as executor:` block does it even when something inside raises.",
    )

def test_fetches_overlap(exercise):
    count, workers, each = 20, 10, 0.2
    serial = count * each

    arrived, second, alone = itertools.count(), threading.Event(), threading.Event()
    company = Company()

    def fetch(url: str) -> str:
        if next(arrived) == 0:
            # The first fetch waits for a second one to start (at once, if they overlap); once none can, none will.
            if company.wait(second.wait, QUICK) is None:
                alone.set()
        else:
            second.set()
        if not alone.is_set():  # once they are shown to run one at a time, the rest need not wait as well
            real_sleep(each)  # waiting on the network
        return url

    started = time.monotonic()
    call = Call(exercise.fetch_all, urls(count), fetch, workers)
    finished_in_time = call.wait(serial / 2)
    elapsed = time.monotonic() - started
    if isinstance(call.error, NotImplementedError):
        raise call.error
    expect(
        not alone.is_set(),
        f"fetch_all({count} urls, fetch, max_workers={workers}), each fetch waiting {each:g} s: the first fetch ran alone, "
        f"and no second one started{WAITED_ALONE}. The fetches should overlap, about {count // workers} rounds of "
        f"{workers}: submit them all before waiting for any result.",
    )
    expect(
        finished_in_time,
        f"fetch_all({count} urls, fetch, max_workers={workers}), each fetch waiting {each:g} s: still running after "
        f"{serial / 2:g} s, half of the {serial:g} s that one fetch after another takes. The fetches should overlap, "
        f"about {count // workers} rounds of {workers}: submit them all before waiting for any result.",
    )
    if call.error is not None:
        raise call.error
    expect(call.value == {u: u for u in urls(count)}, f"fetch_all({count} urls, fetch) with fetch returning its url returned {call.value!r}.")
    expect(elapsed < serial / 2, f"fetch_all took {elapsed:.2f} s; expected well under {serial / 2:g} s.")


def test_max_workers_fetches_run_at_once(exercise):
    gauge = gauged(exercise, 3, 9)
    expect(
        gauge.peak >= 3 and not gauge.timed_out,
        f"fetch_all(9 urls, fetch, max_workers=3): at most {gauge.peak} fetch(es) ran at the same time; expected 3 (the "
        f"first fetches {waited_for(gauge.waited, gauge.none_could_start)} for the others{WAITED_ALONE if gauge.none_could_start else ''}). "
        "Submit every fetch to the executor before asking for any result.",
    )


def test_never_more_than_max_workers_fetches_at_once(exercise):
    gauge = gauged(exercise, 3, 9)
    expect(
        gauge.peak <= 3,
        f"fetch_all(9 urls, fetch, max_workers=3): {gauge.peak} fetches ran at the same time, more than max_workers=3. "
        "Pass max_workers on to the ThreadPoolExecutor.",
    )


def test_max_workers_defaults_to_eight(exercise):
    gauge = gauged(exercise, None, 12)
    expect(
        gauge.peak == 8 and not gauge.timed_out,
        f"fetch_all(12 urls, fetch) without max_workers: {gauge.peak} fetches ran at the same time; expected 8, the "
        f"default max_workers{f' (the first fetches waited for the others{WAITED_ALONE})' if gauge.none_could_start else ''}.",
    )


def test_uses_a_thread_pool_executor(exercise):
    ran_in = set()

    def fetch(url: str) -> str:
        ran_in.add(threading.current_thread())
        return url

    with executors_made() as executors:
        call = Call(exercise.fetch_all, urls(4), fetch, 2)
        call.outcome(what="fetch_all(4 urls, fetch, max_workers=2)", advice=STUCK_ADVICE)
    if call.error is not None:
        raise call.error
    expect(
        executors,
        "fetch_all(4 urls, fetch, max_workers=2) made no concurrent.futures.ThreadPoolExecutor. This exercise is "
        "about using one: create ThreadPoolExecutor(max_workers=max_workers) and submit the fetches to it.",
    )
    expect(
        call.thread not in ran_in,
        "fetch_all ran fetch() in its own (the caller's) thread: submit each fetch to the executor, so it runs in "
        "one of the executor's threads.",
    )


def test_no_worker_thread_is_left_alive(exercise):
    def fetch(url: str) -> str:
        if url.endswith("3"):
            raise OSError("timed out")
        return url

    with record_threads() as started:
        outcome(exercise.fetch_all, urls(6), fetch, 3, what="fetch_all(6 urls, fetch, max_workers=3)")
    threads = learner_threads(started)
    expect(threads, "fetch_all(6 urls, fetch, max_workers=3) started no thread at all: the fetches should run in the executor's threads.")
    alive = [t for t in threads if t.is_alive()]
    expect(
        not alive,
        f"When fetch_all returned, thread(s) {describe_threads(alive)} were still alive. Shut the executor down "
        "before returning (a `with ThreadPoolExecutor(...) as executor:` block does it, and waits for its threads).",
    )
