"""Calling learner code with a bound: a watched call, threads released together, and the report of where each thread waits when one hangs."""

from __future__ import annotations

import itertools
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kata.harness.timing import QUICK, SETTLE, real_sleep
from kata.harness.wording import HUNG, fail

#: Threads alive when the current check started (set by conftest): their stories belong to earlier checks.
_threads_before: set[int] = set()


def check_started() -> None:
    """Remember which threads already exist, so reports about this check leave them out."""
    _threads_before.clear()
    _threads_before.update(t.ident for t in threading.enumerate() if t.ident is not None)


def where_threads_wait(files: Iterable[str]) -> str:
    """One line per thread this check started that is inside the given files: its name and the line it is on."""
    files = set(files)
    names = {t.ident: t.name for t in threading.enumerate()}
    lines = []
    for ident, frame in sys._current_frames().items():
        if ident in _threads_before:
            continue
        for entry in traceback.extract_stack(frame)[::-1]:
            if entry.filename in files:
                source = (entry.line or "").strip()
                lines.append(
                    f"  thread {names.get(ident, ident)!r} is at {Path(entry.filename).name} "
                    f"line {entry.lineno}, in {entry.name}: {source}"
                )
                break
    return "\n".join(sorted(lines)) or "  (no thread is inside your file right now)"


def hung(what: str, seconds: float, advice: str = "", files: Iterable[str] = ()) -> str:
    """The message for a call that did not return in time, with where each thread is stuck."""
    message = HUNG.format(what=what, seconds=seconds)
    if advice:
        message += " " + advice
    if files:
        message += "\nWhere the threads are:\n" + where_threads_wait(files)
    return message


class Call:
    """Run ``func(*args, **kwargs)`` in a new non-daemon thread and watch it with bounded waits.

    The caller thread is non-daemon, like a program's main thread, so threads the learner's
    code creates inherit ``daemon=False`` exactly as they would when called from ``main``.
    """

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.value: Any = None
        self.error: BaseException | None = None
        self._finished = threading.Event()
        self.thread = threading.Thread(target=self._run, args=args, kwargs=kwargs, name="kata-caller", daemon=False)
        self.thread.start()

    def _run(self, *args: Any, **kwargs: Any) -> None:
        try:
            self.value = self.func(*args, **kwargs)
        except BaseException as error:  # handed to the check, which re-raises it
            self.error = error
        finally:
            self._finished.set()

    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float) -> bool:
        """True if the call has finished within ``timeout`` seconds."""
        return self._finished.wait(timeout)

    def result(self, timeout: float, what: str, files: Iterable[str] = (), advice: str = "") -> Any:
        """The call's return value; its exception re-raised; a failure naming stuck threads if it hangs."""
        __tracebackhide__ = True
        if not self._finished.wait(timeout):
            fail(hung(what, timeout, advice, files))
        if self.error is not None:
            raise self.error
        return self.value


def call_bounded(func: Callable[..., Any], *args: Any, timeout: float = QUICK, what: str = "", files: Iterable[str] = (), advice: str = "") -> Any:
    """Call ``func`` in a watched thread; see :meth:`Call.result`."""
    __tracebackhide__ = True
    return Call(func, *args).result(timeout, what or f"{getattr(func, '__name__', func)}()", files, advice)


_worker_numbers = itertools.count(1)  # unique names: threads a hung check left behind are not confused with new ones


def run_together(workers: list[Callable[[], Any]], timeout: float = QUICK, what: str = "", files: Iterable[str] = (), advice: str = "") -> list[Any]:
    """Start one thread per worker, release them together at a barrier, and return their results.

    A worker's exception is raised again here; a worker still running after ``timeout``
    seconds fails the check with the place each thread is stuck.
    """
    __tracebackhide__ = True
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException | None] = [None] * len(workers)

    def body(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[index] = work()
        except BaseException as error:  # handed to the check, which re-raises it
            errors[index] = error

    first = next(_worker_numbers)
    threads = [threading.Thread(target=body, args=(i, w), name=f"kata-worker-{first}.{i}", daemon=True) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    if join_all(threads, timeout):
        fail(hung(what or f"{len(workers)} threads working together", timeout, advice, files))
    for error in errors:
        if error is not None:
            raise error
    return results


def join_all(threads: Iterable[threading.Thread], timeout: float = QUICK) -> list[threading.Thread]:
    """Join threads within one shared time budget; return those still alive."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        if thread.ident is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in threads if t.is_alive()]


def wait_until(condition: Callable[[], object], timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; return whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        real_sleep(0.002)
    return True


def waiting_frame(thread: threading.Thread) -> Any:
    """The frame of ``threading``'s ``wait()`` that ``thread`` is blocked in right now, else None.

    Condition.wait, Event.wait and Semaphore.acquire all block there, so this tells a thread
    that sleeps on a condition apart from one that is still running.
    """
    frame = sys._current_frames().get(thread.ident)  # type: ignore[arg-type]
    if frame is not None and frame.f_code.co_filename == threading.__file__ and frame.f_code.co_name == "wait":
        return frame
    return None


def settle(call: Call, limit: float = SETTLE, previous: Any = None) -> Any:
    """Wait until ``call`` has finished or sleeps in a threading wait (a new one, if ``previous``
    is given), at most ``limit`` seconds; return that wait's frame or None.

    Code that waits some other way (on a plain Lock, say) is given the whole ``limit`` instead,
    so it is judged fairly, only more slowly.
    """
    deadline = time.monotonic() + limit
    while not call.done() and time.monotonic() < deadline:
        frame = waiting_frame(call.thread)
        if frame is not None and frame is not previous:
            return frame
        real_sleep(0.001)
    return None


def finished(call: Call, what: str, exercise, limit: float = QUICK, advice: str = ""):
    """``(value, error)`` of a watched call, or a failure naming where this check's threads wait if it hangs."""
    __tracebackhide__ = True
    if not call.wait(limit):
        fail(hung(what, limit, advice, [exercise.__file__]))
    if isinstance(call.error, NotImplementedError):
        raise call.error
    return call.value, call.error


def outcome(what: str, exercise, func, *args, advice: str = "", limit: float = QUICK, **kwargs):
    """Call ``func`` in a watched thread; return ``(value, error)``."""
    __tracebackhide__ = True
    return finished(Call(func, *args, **kwargs), what, exercise, limit, advice)


def bounded(what: str, exercise, func, *args, advice: str = "", **kwargs):
    """Call ``func`` in a watched thread; return its value or raise its exception."""
    __tracebackhide__ = True
    value, error = outcome(what, exercise, func, *args, advice=advice, **kwargs)
    if error is not None:
        raise error
    return value
