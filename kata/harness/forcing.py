"""Making races happen: forced thread switches, locks that pause after release, gauges of concurrency, a first call that holds, threads in lockstep."""

from __future__ import annotations

import contextlib
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kata.harness.calls import FOR_GOOD_STILL, bounded, run_together, standing, still_looks, waiting_for_good
from kata.harness.instrument import every_thread
from kata.harness.timing import GRACE, HOLD_LIMIT, QUICK, SWITCH_PAUSE, SWITCH_RATE, real_sleep


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

    # sys.monitoring on 3.12+ (opcode tracing turned on from a trace function misses frames there).
    instrumentation = every_thread(files, maybe_switch)
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with instrumentation:
            yield rng
    finally:
        active = False
        sys.setswitchinterval(old_interval)


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
    with locks_made_as(module, lambda real: PausingLock(real, chance, pause, draw)):
        yield


@contextlib.contextmanager
def locks_made_as(module: Any, wrap: Callable[[Any], Any]) -> Iterator[None]:
    """While the block runs, ``threading.Lock()`` and ``RLock()`` (also as names imported into
    ``module``) return ``wrap(the real new lock)``. Locks made before the block are untouched."""
    originals = {"Lock": threading.Lock, "RLock": threading.RLock}
    makers = {name: (lambda real=real: wrap(real())) for name, real in originals.items()}
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


class Company:
    """The threads that could still set another task going: those started since it was made, but
    the ones waiting in :meth:`wait` (tasks waiting for company)."""

    def __init__(self) -> None:
        self._before = set(threading.enumerate())
        self._waiting: set[threading.Thread] = set()

    def wait(self, ready: Callable[[float], bool], patience: float) -> bool | None:
        """Call ``ready(timeout)`` in short steps until it is True (return True) or ``patience`` has
        passed (False), or return None sooner once no other task can start: every thread started since
        the company was made, but those waiting here, waits with no timeout, and either has stood so
        for :data:`~kata.harness.calls.FOR_GOOD_STILL` seconds (the harness's proof that a wait is for
        good, see :func:`~kata.harness.calls.waiting_for_good`) or two looks in a row find each where
        it was, with no wake-up on its way or blocked taking a held Lock (see
        :func:`~kata.harness.calls.standing`), so only a waiting task's return could set another
        going. A caller that runs the tasks one at a time, or in its own thread, shows it."""
        me = threading.current_thread()
        self._waiting.add(me)
        try:
            deadline, alone_since, looks = time.monotonic() + patience, None, []
            while not ready(min(0.01, max(0.0, deadline - time.monotonic()))):
                now = time.monotonic()
                if now >= deadline:
                    return False
                others = [t for t in threading.enumerate() if t not in self._before and t not in self._waiting]
                looks = still_looks(looks, standing(others, tuple(self._waiting)) if others else None)
                alone_since = (alone_since or now) if looks or waiting_for_good(others) else None
                if len(looks) >= 2 or (alone_since is not None and now - alone_since >= FOR_GOOD_STILL):
                    return None
            return True
        finally:
            self._waiting.discard(me)


class Meeting:
    """Tasks that each wait, inside the learner's code, until ``count`` of them are there together:
    a barrier that does not break, and stops the wait as soon as no other task can come. A task
    whose wait ended without the others is gone: it does not count for the ones arriving later.

    Each call returns True once ``count`` tasks have arrived, False after ``patience`` seconds, or
    None sooner once no other task can arrive (see :meth:`Company.wait`): the ones outside wait for
    good, for a lock a task inside holds, say. Make it before the tasks' threads start.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        #: True once a wait ended because no other task could arrive, not at its patience.
        self.none_could_come = False
        self._arrived = 0
        self._lock = threading.Lock()
        self._all = threading.Event()
        self._company = Company()

    def __call__(self, patience: float) -> bool | None:
        with self._lock:
            self._arrived += 1
            if self._arrived >= self.count:
                self._all.set()
        met = self._company.wait(self._all.wait, patience)
        if not met:
            with self._lock:
                self._arrived -= 1  # gone: a task arriving later does not meet this one
                self.none_could_come = self.none_could_come or met is None
        return met


class Gauge:
    """A task that measures how many copies of itself run at the same time.

    The first ``limit`` calls wait (bounded) until ``limit`` of them run together, then stay a
    moment longer, so a call beyond the limit, if the code lets one start, is seen running
    alongside them. ``peak`` then shows both whether the limit is reached and whether it is
    exceeded, every time rather than by luck.
    """

    def __init__(self, limit: int, settle: float = 0.1, patience: float = QUICK, *, until_alone: bool = False) -> None:
        self.limit, self.settle, self.patience = limit, settle, patience
        self.peak = 0
        self.timed_out = False
        #: How long the first calls waited before they gave up (0 if they never did).
        self.waited = 0.0
        #: True if they gave up because no other call could start (see :meth:`Company.wait`), not at ``patience``.
        self.none_could_start = False
        self._running = 0
        self._lock = threading.Lock()
        self._full = threading.Event()
        self._company = Company() if until_alone else None  # with it, the wait also ends once no other call can start

    def __call__(self, value: object) -> object:
        with self._lock:
            self._running += 1
            self.peak = max(self.peak, self._running)
            early = not self._full.is_set()
            if self._running >= self.limit:
                self._full.set()
        try:
            if early:
                started = time.monotonic()
                joined = self._company.wait(self._full.wait, self.patience) if self._company else self._full.wait(self.patience)
                if not joined:
                    self.timed_out, self.waited, self.none_could_start = True, time.monotonic() - started, joined is None
                    self._full.set()  # the rest need not wait as well
                real_sleep(self.settle)
            return value
        finally:
            with self._lock:
                self._running -= 1


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
        made.append(bounded(make, what=made_as, advice=advice))
        return run_together([work] * threads, limit=3 * QUICK, what=what, advice=advice)
