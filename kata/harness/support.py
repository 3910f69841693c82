"""Helpers for threaded checks: bounded calls, forced interleavings, spies on threads and sleep.

Every wait here has a bound, so a deadlock in learner code becomes a failure that says where
each thread is stuck instead of a hung check. Nothing here raises inside a trace function.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kata.explorer import claim_monitoring_tool

#: Seconds a call that should be quick gets before the check calls it hung.
QUICK = 2.0

#: The real ``time.sleep``, kept before any check patches it.
real_sleep = time.sleep

# Bound before any learner module is imported, so learner code that replaces them (to silence a
# failure or switch off the forced thread switches) does not change what the checks do.
_pytest_fail = pytest.fail
_sys_settrace = sys.settrace
_threading_settrace = threading.settrace

HUNG = "{what} did not return within {seconds:g} s."


def fail(message: str) -> None:
    """Fail the current check with a message for the learner and no pytest trace."""
    __tracebackhide__ = True
    _pytest_fail(message, pytrace=False)


def expect(condition: object, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    __tracebackhide__ = True
    if not condition:
        fail(message)


def files_of(*modules: Any) -> frozenset[str]:
    """The source files of modules, as their code objects name them."""
    return frozenset(m.__file__ for m in modules)


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


@contextlib.contextmanager
def record_threads() -> Iterator[list[threading.Thread]]:
    """Collect every ``Thread`` whose ``start()`` is called inside the block, in start order."""
    started: list[threading.Thread] = []
    original = threading.Thread.start
    ours = threading.get_ident()

    def start(self: threading.Thread) -> None:
        if self.name != "kata-caller" or threading.get_ident() != ours:
            started.append(self)
        original(self)

    threading.Thread.start = start  # type: ignore[method-assign]
    try:
        yield started
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]


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


def waiting_frame(thread: threading.Thread) -> Any:
    """The frame of ``threading``'s ``wait()`` that ``thread`` is blocked in right now, else None.

    Condition.wait, Event.wait and Semaphore.acquire all block there, so this tells a thread
    that sleeps on a condition apart from one that is still running.
    """
    frame = sys._current_frames().get(thread.ident)  # type: ignore[arg-type]
    if frame is not None and frame.f_code.co_filename == threading.__file__ and frame.f_code.co_name == "wait":
        return frame
    return None


#: How long a call that should be waiting gets to show it has settled into a wait.
SETTLE = 0.3


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


def wait_until(condition: Callable[[], object], timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; return whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        real_sleep(0.002)
    return True


def learner_threads(started: Iterable[threading.Thread]) -> list[threading.Thread]:
    """The recorded threads that are not the checks' own callers."""
    return [t for t in started if t.name != "kata-caller"]


def join_all(threads: Iterable[threading.Thread], timeout: float = QUICK) -> list[threading.Thread]:
    """Join threads within one shared time budget; return those still alive."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        if thread.ident is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in threads if t.is_alive()]


@contextlib.contextmanager
def preempt(files: Iterable[str], rate: float = 0.05, pause: float = 0.0, seed: int | None = None) -> Iterator[random.Random]:
    """Force thread switches inside the given files: a race there happens every time, not by luck.

    Since CPython 3.10 a thread rarely loses the GIL between the read and the write of
    ``x += 1``, so an unlocked counter looks correct under plain stress. Here every thread
    started inside the block is traced at opcode level, only while it runs code from
    ``files``, and gives up the GIL (``sleep(0)``) at a random ``rate`` of those opcodes,
    with a tiny switch interval so another thread takes over at once.
    """
    files = frozenset(files)
    rng = random.Random(seed)
    active = True
    draw = rng.random

    def maybe_switch() -> None:
        if active and draw() < rate:
            real_sleep(pause)

    if getattr(sys, "monitoring", None) is not None:
        # 3.12+: opcode tracing turned on from a trace function misses frames there.
        instrumentation = _instruction_hook(files, maybe_switch)
    else:
        instrumentation = _opcode_tracing(files, maybe_switch)
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with instrumentation:
            yield rng
    finally:
        active = False
        sys.setswitchinterval(old_interval)


@contextlib.contextmanager
def _opcode_tracing(files: frozenset[str], hook: Callable[[], object]) -> Iterator[None]:
    """Call ``hook`` before every opcode of ``files`` in threads started inside the block (3.10, 3.11).

    The hook's exceptions are swallowed: a trace function must never raise.
    """

    def local(frame: Any, event: str, arg: Any) -> Any:
        try:
            if event == "opcode":
                hook()
        except BaseException:
            pass
        return local

    def global_trace(frame: Any, event: str, arg: Any) -> Any:
        try:
            if frame.f_code.co_filename in files:
                frame.f_trace_opcodes = True
                return local
        except BaseException:
            pass
        return None

    # Thread start-up calls sys.settrace by name: undo any replacement so new threads are traced.
    sys.settrace, threading.settrace = _sys_settrace, _threading_settrace  # type: ignore[assignment]
    old_trace = sys.gettrace()
    _threading_settrace(global_trace)
    _sys_settrace(global_trace)
    try:
        yield
    finally:
        _sys_settrace(old_trace)
        _threading_settrace(None)  # type: ignore[arg-type]


@contextlib.contextmanager
def _instruction_hook(files: frozenset[str], hook: Callable[[], object]) -> Iterator[None]:
    """Call ``hook`` before every instruction of ``files``, in every thread, through sys.monitoring.

    Instructions of other files switch themselves off after their first event, so the rest of
    the program runs at full speed. The hook's exceptions are swallowed: a monitoring callback
    must never raise into the code it watches.
    """
    monitoring = sys.monitoring  # type: ignore[attr-defined]
    tool = claim_monitoring_tool("threadkata preempt")
    if tool is None:
        yield
        return
    disable = monitoring.DISABLE

    def on_instruction(code: Any, offset: int) -> Any:
        try:
            if code.co_filename not in files:
                return disable
            hook()
        except BaseException:
            pass
        return None

    monitoring.register_callback(tool, monitoring.events.INSTRUCTION, on_instruction)
    monitoring.set_events(tool, monitoring.events.INSTRUCTION)
    try:
        yield
    finally:
        monitoring.set_events(tool, 0)
        monitoring.register_callback(tool, monitoring.events.INSTRUCTION, None)
        monitoring.free_tool_id(tool)
        monitoring.restart_events()  # locations switched off above come back for the next hook


class PausingLock:
    """A ``Lock``/``RLock`` stand-in that sometimes pauses just after being released.

    Right after a release the threads that were blocked on the lock need tens of microseconds
    to wake up; a thread that releases and at once reads shared state again almost always
    wins that race. The pause hands them the lock first, so code that reads or writes outside
    the lock is caught every time. Everything else is the real lock's behaviour.
    """

    def __init__(self, real: Any, chance: float, pause: float, draw: Callable[[], float]) -> None:
        self._real = real
        self._chance = chance
        self._pause = pause
        self._draw = draw
        self.acquire = real.acquire
        self.locked = getattr(real, "locked", None)
        for name in ("_is_owned", "_release_save", "_acquire_restore"):  # used by Condition with an RLock
            if hasattr(real, name):
                setattr(self, name, getattr(real, name))

    def release(self) -> None:
        self._real.release()
        if self._draw() < self._chance:
            real_sleep(self._pause)

    def __enter__(self) -> bool:
        return self._real.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<pausing {self._real!r}>"


@contextlib.contextmanager
def pausing_locks(module: Any, chance: float = 0.1, pause: float = 1e-4, seed: int | None = None) -> Iterator[None]:
    """While the block runs, ``threading.Lock()`` and ``RLock()`` (also as names imported into
    ``module``) make :class:`PausingLock` objects. Locks made before the block are untouched."""
    draw = random.Random(seed).random
    originals = {"Lock": threading.Lock, "RLock": threading.RLock}
    makers = {name: (lambda real=real: PausingLock(real(), chance, pause, draw)) for name, real in originals.items()}
    imported = [name for name, real in originals.items() if getattr(module, name, None) is real]
    for name, maker in makers.items():
        setattr(threading, name, maker)
    for name in imported:
        setattr(module, name, makers[name])
    try:
        yield
    finally:
        for name, real in originals.items():
            setattr(threading, name, real)
        for name in imported:
            setattr(module, name, originals[name])


@contextlib.contextmanager
def forced_races(module: Any, seed: int | None = None) -> Iterator[None]:
    """:func:`preempt` and :func:`pausing_locks` together: make the races in ``module`` happen."""
    with pausing_locks(module, seed=seed), preempt([module.__file__], seed=seed):
        yield


@contextlib.contextmanager
def fast_sleep(module: Any) -> Iterator[list[float]]:
    """Make ``time.sleep`` return at once when called from ``module``'s own code.

    A sleep that stands in for ``join`` or for waiting on an event then shows up at once
    instead of guessing right by luck. Sleeps elsewhere are untouched. Yields the list of
    durations the learner's code asked for.
    """
    file = module.__file__
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        caller = sys._getframe(1)
        if caller.f_code.co_filename == file:
            asked.append(seconds)
            real_sleep(0)
        else:
            real_sleep(seconds)

    patched_module = getattr(module, "sleep", None) is real_sleep
    time.sleep = sleep  # type: ignore[assignment]
    if patched_module:
        module.sleep = sleep
    try:
        yield asked
    finally:
        time.sleep = real_sleep  # type: ignore[assignment]
        if patched_module:
            module.sleep = real_sleep


# --- (value, error) calls, concurrency gauges, executor spies: used by the pool-like exercises ---

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


@contextlib.contextmanager
def executors_made() -> Iterator[list[Any]]:
    """Record every ``concurrent.futures.ThreadPoolExecutor`` (or subclass) created inside the block."""
    from concurrent.futures import ThreadPoolExecutor

    made: list = []
    real_init = ThreadPoolExecutor.__dict__["__init__"]

    def init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    ThreadPoolExecutor.__init__ = init
    try:
        yield made
    finally:
        ThreadPoolExecutor.__init__ = real_init


class Gauge:
    """A task that measures how many copies of itself run at the same time.

    The first ``limit`` calls wait (bounded) until ``limit`` of them run together, then stay a
    moment longer, so a call beyond the limit, if the code lets one start, is seen running
    alongside them. ``peak`` then shows both whether the limit is reached and whether it is
    exceeded, every time rather than by luck.
    """

    def __init__(self, limit: int, settle: float = 0.1, patience: float = QUICK) -> None:
        self.limit, self.settle, self.patience = limit, settle, patience
        self.peak = 0
        self.timed_out = False
        self._running = 0
        self._lock = threading.Lock()
        self._full = threading.Event()

    def __call__(self, value: object) -> object:
        with self._lock:
            self._running += 1
            self.peak = max(self.peak, self._running)
            early = not self._full.is_set()
            if self._running >= self.limit:
                self._full.set()
        try:
            if early:
                if not self._full.wait(self.patience):
                    self.timed_out = True
                    self._full.set()  # the rest need not wait as well
                real_sleep(self.settle)
            return value
        finally:
            with self._lock:
                self._running -= 1


# --- compute-once checks: a first call that holds, threads in lockstep (exercises 07 and 16) ---

#: How long the first call of a FirstCallHolds holds, at most, while the other threads are still arriving.
HOLD_LIMIT = 1.5
#: How long it then keeps holding, so a second call can start if the code lets one through.
GRACE = 0.15


class FirstCallHolds:
    """A function (a cache's factory, a memoizer's func) whose first call holds until every other
    asking thread is inside the learner's code, then a little longer. Code that lets a second
    thread past its "is the key there?" check calls the function again during that hold: every
    time, not by luck.

    ``outcome(number, *args)`` makes the result of call ``number`` (1, 2, …) or raises.
    """

    def __init__(self, file, askers, outcome):
        self.file = file
        self.askers = askers
        self.outcome = outcome
        self.calls = 0
        self._count = threading.Lock()
        self._second = threading.Event()
        self._idents = []
        self._done = set()

    def asking(self, call):
        """``call`` wrapped so the factory knows which threads ask."""

        def work():
            ident = threading.get_ident()
            self._idents.append(ident)
            try:
                return call()
            finally:
                self._done.add(ident)

        return work

    def __call__(self, *args):
        with self._count:
            self.calls += 1
            number = self.calls
        if number == 1:
            self._hold()
        else:
            self._second.set()
        return self.outcome(number, *args)

    def _hold(self):
        me = threading.get_ident()
        deadline = time.monotonic() + HOLD_LIMIT
        while not self._second.is_set() and time.monotonic() < deadline and not self._others_inside(me):
            self._second.wait(0.002)
        self._second.wait(GRACE)

    def _others_inside(self, me):
        """True once every other asking thread has finished or is running the learner's code."""
        idents = list(self._idents)
        if len(idents) < self.askers:
            return False
        frames = sys._current_frames()
        for ident in idents:
            if ident == me or ident in self._done:
                continue
            frame = frames.get(ident)
            while frame is not None and frame.f_code.co_filename != self.file:
                frame = frame.f_back
            if frame is None:
                return False
        return True


#: In lockstep checks: how often a thread is made to switch, per bytecode it runs in the learner's
#: file, and how long it then sleeps, so that the threads just woken from the barrier catch up.
SWITCH_RATE = 0.2
SWITCH_PAUSE = 1e-4


def in_lockstep(exercise, threads, steps, make, made_as, call, what, advice):
    """Make the learner's object with ``make()`` (shown as ``made_as``), then run ``call(obj, step)`` for every step in
    ``threads`` threads that meet at a barrier before each step, with thread switches forced inside
    the learner's file: all threads take each step at the same moment, so a race in it happens.
    Returns each thread's list of results."""
    __tracebackhide__ = True
    barrier = threading.Barrier(threads)
    made = []

    def work():
        results = []
        try:
            for step in steps:
                barrier.wait(QUICK)
                results.append(call(made[0], step))
        except threading.BrokenBarrierError:
            pass  # another thread failed or is stuck; run_together reports that one
        except BaseException:
            barrier.abort()
            raise
        return results

    with pausing_locks(exercise), preempt([exercise.__file__], rate=SWITCH_RATE, pause=SWITCH_PAUSE):
        made.append(call_bounded(make, what=made_as, files=[exercise.__file__], advice=advice))
        return run_together([work] * threads, timeout=3 * QUICK, what=what, files=[exercise.__file__], advice=advice)


#: The clocks a busy-waiting loop reads.
CLOCKS = ("monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "time", "time_ns")


@contextlib.contextmanager
def clock_reads(module: Any) -> Iterator[list[int]]:
    """Count the calls of time.monotonic() and the other clocks made from ``module``'s own code.

    A loop that keeps checking the clock shows up here by the thousand, however little CPU a crowded
    machine gives it; code that waits reads the clock a few times per wake-up. Yields a one-item list.
    """
    file, count = module.__file__, [0]
    originals = {name: getattr(time, name) for name in CLOCKS}

    def counting(real):
        def clock():
            if sys._getframe(1).f_code.co_filename == file:
                count[0] += 1
            return real()

        return clock

    patched = {name: counting(real) for name, real in originals.items()}
    imported = [name for name, real in originals.items() if getattr(module, name, None) is real]  # from time import monotonic
    for name, clock in patched.items():
        setattr(time, name, clock)
    for name in imported:
        setattr(module, name, patched[name])
    try:
        yield count
    finally:
        for name, real in originals.items():
            setattr(time, name, real)
        for name in imported:
            setattr(module, name, originals[name])


def times(n: int) -> str:
    """How many times, in words: once, twice, 3 times."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def spaced(n: int) -> str:
    """A count as a learner reads it: 80 000."""
    return f"{n:,}".replace(",", " ")


def describe_threads(threads: Iterable[threading.Thread]) -> str:
    """``'Thread-3 (work)' (daemon), 'Thread-4'``."""
    return ", ".join(f"{t.name!r}" + (" (daemon)" if t.daemon else "") for t in threads)
