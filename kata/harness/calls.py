"""Calling learner code with a bound: a watched call, threads released together, and the report of where each thread waits when one hangs."""

from __future__ import annotations

import itertools
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from kata.harness.timing import QUICK, SETTLE, real_sleep
from kata.harness.wording import HUNG, fail

#: Threads alive when the current check started (set by conftest): their stories belong to earlier checks.
_threads_before: set[int] = set()


def check_started() -> None:
    """Remember which threads already exist, so reports about this check leave them out."""
    _threads_before.clear()
    _threads_before.update(t.ident for t in threading.enumerate() if t.ident is not None)
    _exercise_files.clear()


def where_threads_wait(files: Iterable[str], among: Iterable[threading.Thread] | None = None) -> str:
    """One line per thread this check started that is inside the given files: its name and the line it is on.

    With ``among``, only those threads are listed (not the ones the learner's code started).
    """
    files = set(files)
    names = {t.ident: t.name for t in threading.enumerate()}
    wanted = None if among is None else {t.ident for t in among}
    lines = []
    for ident, frame in sys._current_frames().items():
        if ident in _threads_before or (wanted is not None and ident not in wanted):
            continue
        for entry in traceback.extract_stack(frame)[::-1]:
            if entry.filename in files:
                source = (entry.line or "").strip()
                lines.append(
                    f"  thread {names.get(ident, ident)!r} is at {Path(entry.filename).name} "
                    f"line {entry.lineno}, in {entry.name}: {source}"
                )
                break
    if not lines:
        return "  (no thread is inside your file right now)" if among is None else "  (none of them is inside your file right now)"
    return "\n".join(sorted(lines))


def hung(what: str, seconds: float, advice: str = "", files: Iterable[str] = (), among: Iterable[threading.Thread] | None = None) -> str:
    """The message for a call that did not return in time, with where each thread (of ``among``, if given) is stuck."""
    message = HUNG.format(what=what, seconds=seconds)
    if advice:
        message += " " + advice
    if files:
        message += "\nWhere the threads are:\n" + where_threads_wait(files, among)
    return message


class Outcome(NamedTuple):
    """What a call did: the value it returned, or the exception it raised (unpacks as ``value, error``)."""

    value: Any = None
    error: BaseException | None = None

    @property
    def raised(self) -> bool:
        return self.error is not None

    def get(self) -> Any:
        """The value, or the exception raised again."""
        __tracebackhide__ = True
        if self.error is not None:
            raise self.error
        return self.value

    @classmethod
    def of(cls, func: Callable[..., Any], *args: Any, catch: tuple[type[BaseException], ...] = (Exception,), **kwargs: Any) -> Outcome:
        """Call ``func`` right here, unbounded (an explorer scenario's thread, say): the exceptions
        in ``catch`` become the outcome; any other, and a stub's NotImplementedError, pass through."""
        try:
            return cls(func(*args, **kwargs))
        except NotImplementedError:
            raise
        except catch as error:
            return cls(error=error)


#: The exercise module the current check imported (set by the plugin's ``exercise`` fixture):
#: a hang report lists the threads inside its file unless a call names other files.
_exercise_files: list[str] = []


def exercise_loaded(module: Any) -> None:
    """Make ``module``'s file the one hang reports of this check look in by default."""
    _exercise_files[:] = [module.__file__]


def _files(files: Iterable[str] | None) -> Iterable[str]:
    return _exercise_files if files is None else files


class Call:
    """Run ``func(*args, **kwargs)`` in a new non-daemon thread and watch it with bounded waits.

    The caller thread is non-daemon, like a program's main thread, so threads the learner's
    code creates inherit ``daemon=False`` exactly as they would when called from ``main``.
    Every way of collecting what it did takes the same keywords: ``what`` (the call as the
    learner reads it), ``advice`` (a question added when it hangs), ``files`` (whose threads a
    hang report lists; by default the exercise's file, ``()`` for none) and ``limit`` (seconds).
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

    def outcome(self, *, what: str, advice: str = "", files: Iterable[str] | None = None, limit: float = QUICK,
                catch: tuple[type[BaseException], ...] = (BaseException,)) -> Outcome:
        """What the call did, once it has finished; a failure naming where the threads wait if it
        does not finish within ``limit``. A stub's NotImplementedError, and any exception not in
        ``catch``, is raised again here."""
        __tracebackhide__ = True
        if not self._finished.wait(limit):
            fail(hung(what, limit, advice, _files(files)))
        error = self.error
        if error is not None and (isinstance(error, NotImplementedError) or not isinstance(error, catch)):
            raise error
        return Outcome(self.value, error)

    def result(self, *, what: str, advice: str = "", files: Iterable[str] | None = None, limit: float = QUICK) -> Any:
        """The call's return value; its exception raised again; a failure naming where the threads wait if it hangs."""
        __tracebackhide__ = True
        return self.outcome(what=what, advice=advice, files=files, limit=limit).get()


def _named(func: Any) -> str:
    return f"{getattr(func, '__name__', func)}()"


def bounded(func: Callable[..., Any], /, *args: Any, what: str = "", advice: str = "", files: Iterable[str] | None = None,
            limit: float = QUICK, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` in a watched thread: its value, or its exception raised again; see :class:`Call`."""
    __tracebackhide__ = True
    return Call(func, *args, **kwargs).result(what=what or _named(func), advice=advice, files=files, limit=limit)


def outcome(func: Callable[..., Any], /, *args: Any, what: str = "", advice: str = "", files: Iterable[str] | None = None,
            limit: float = QUICK, catch: tuple[type[BaseException], ...] = (BaseException,), **kwargs: Any) -> Outcome:
    """``func(*args, **kwargs)`` in a watched thread: the :class:`Outcome` (value or exception); see :meth:`Call.outcome`."""
    __tracebackhide__ = True
    return Call(func, *args, **kwargs).outcome(what=what or _named(func), advice=advice, files=files, limit=limit, catch=catch)


_worker_numbers = itertools.count(1)  # unique names: threads a hung check left behind are not confused with new ones


def run_together(workers: list[Callable[[], Any]], *, what: str = "", advice: str = "", files: Iterable[str] | None = None, limit: float = QUICK,
                 only_workers: bool = False) -> list[Any]:
    """Start one thread per worker, release them together at a barrier, and return their results.

    A worker's exception is raised again here; a worker still running after ``limit``
    seconds fails the check with the place each thread is stuck (in ``files``, by default the
    exercise's file; with ``only_workers``, leaving out threads the learner's code started).
    """
    __tracebackhide__ = True
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException | None] = [None] * len(workers)

    def body(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(limit)
            results[index] = work()
        except BaseException as error:  # handed to the check, which re-raises it
            errors[index] = error

    first = next(_worker_numbers)
    threads = [threading.Thread(target=body, args=(i, w), name=f"kata-worker-{first}.{i}", daemon=True) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    if join_all(threads, limit):
        fail(hung(what or f"{len(workers)} threads working together", limit, advice, _files(files), threads if only_workers else None))
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
