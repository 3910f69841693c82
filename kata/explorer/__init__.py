"""The race explorer: run learner code one thread at a time and choose who runs next.

A check hands the explorer a *scenario*: a function that, given a fresh copy of the learner's
module, builds shared objects and returns the threads to run and a verdict on what they did.
The explorer then runs that scenario many times, each time under a different seeded schedule:

* Only one thread runs at a time. The scheduler may switch threads before any bytecode
  instruction of the learner's file that touches shared state (attribute and item reads and
  writes, globals, calls), and at every synchronisation call. Nothing outside the learner's
  file is switched inside, and nothing in a trace or monitoring callback ever raises.
* The learner's copy of the module is given stand-ins for ``threading``, ``time``, ``queue``,
  ``random`` and ``concurrent.futures``: their locks, conditions, semaphores, events,
  barriers, queues, threads and sleeps tell the scheduler when a thread must wait, and time is
  a virtual clock, so a sleep or a timeout costs nothing and "every thread is waiting" is
  found at once as a deadlock.
* Schedule 0 runs each thread as long as it can; every later seed picks three preemption
  points along the way (a PCT-like search), half of them just before a write or a sync call.
  A seed is a complete description of its schedule: the same seed, code and Python version
  replay the same interleaving.
* Code that waits on something the explorer does not control, or spins past the step limit,
  ends the exploration without a verdict: such code is left to the real-thread checks.

What a learner reads is the failing interleaving, one column per thread, each step the line and
its source with the shared values read or written, after the sentence naming the bug, and the
seed that replays it.
"""

from __future__ import annotations

import _thread
import builtins
import dis
import random
import sys
import threading as _threading
import time as _time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_allocate = _thread.allocate_lock
_get_ident = _thread.get_ident
_RealThread = _threading.Thread
_real_settrace = sys.settrace
_real_import = builtins.__import__
_real_clock = _time.perf_counter
#: PEP 669 monitoring (3.12+); before it, opcode tracing.
_MONITORING = getattr(sys, "monitoring", None)

#: Schedules tried per scenario, counting the unpreempted schedule 0.
SCHEDULES = 50
#: Preemption points per schedule after the first (a measured trade-off: see the README).
PREEMPTIONS = 3
#: Real seconds one exploration may take before it stops with what it has found.
BUDGET = 1.5
#: Steps one schedule may take (a thread spinning forever would take all of them).
MAX_STEPS = 20_000
#: Real seconds a schedule may go without its running thread reaching a switch point.
STALL = 1.0
#: Rows of the interleaving shown to the learner.
SHOWN_ROWS = 16
#: Widest column of the interleaving, in characters.
COLUMN = 46

#: Where the virtual clock starts: time.monotonic() and time.time() read plausible values.
_EPOCH_MONOTONIC = 1000.0
_EPOCH_WALL = 1_767_225_600.0

#: Opcodes before which a switch can matter: they read or write shared state or run other code.
_SHARED = ("ATTR", "SUBSCR", "GLOBAL", "DEREF", "CALL", "METHOD", "NAME", "CONTAINS", "FOR_ITER", "SLICE")
#: Opcodes that change shared state: preemption points are drawn from the steps just before them
#: and from synchronisation calls, since a switch between two reads changes nothing.
_WRITES = ("STORE_", "DELETE_")
#: The share of preemption points drawn from those steps rather than from all steps.
POOLED = 0.5
#: Opcodes whose value the trace can show (what was read or written).
_LOADS_OF_NAMES = ("LOAD_FAST", "LOAD_DEREF", "LOAD_FAST_CHECK", "LOAD_FAST_LOAD_FAST", "LOAD_GLOBAL", "LOAD_NAME", "LOAD_CLOSURE")


def claim_monitoring_tool(name: str) -> int | None:
    """A free sys.monitoring tool id, taken under ``name``; None if every id is in use."""
    for tool in (4, 3, 2, 1, 0):
        if _MONITORING.get_tool(tool) is None:
            _MONITORING.use_tool_id(tool, name)
            return tool
    return None


class _Abort(BaseException):
    """Unwinds a learner thread whose schedule is over (deadlock found, or run stopped)."""


class OutsideSchedule(RuntimeError):
    """Learner code would have blocked while no schedule was running (in set-up or verdict)."""


# --------------------------------------------------------------------------- the schedule


@dataclass
class Step:
    """One thing a thread did: an instruction on a line of the learner's file, or a sync call."""

    thread: str
    line: int
    notes: list[str] = field(default_factory=list)
    #: (object id, 'reads' or 'writes', attribute, value shown) for each value note
    accesses: list[tuple[int, str, str, str]] = field(default_factory=list)


class _Task:
    """A learner thread under the scheduler's control."""

    def __init__(self, name: str, func: Callable[[], Any], handle: Any = None) -> None:
        self.name = name
        self.func = func
        self.handle = handle  # the stand-in Thread object, if learner code made it
        self.gate = _allocate()
        self.gate.acquire()
        self.state = "runnable"  # runnable, blocked, done
        self.until: Callable[[], bool] | None = None
        self.deadline: float | None = None
        self.waiting_for = ""
        self.where = 0
        self.parked = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.held: list[Any] = []
        self.pending: tuple[Any, str, Step] | None = None
        self.ident: int | None = None
        self.thread: Any = None
        self.stuck = False  # parked for good after spinning past the step limit
        self.spins_after_abort = 0
        self.in_plan = True

    def can_run(self, clock: float) -> bool:
        if self.state == "runnable":
            return True
        if self.state != "blocked":
            return False
        try:
            if self.until is not None and self.until():
                return True
        except BaseException:
            return False
        return self.deadline is not None and clock >= self.deadline


class Schedule:
    """One run of a scenario under one seed."""

    def __init__(self, program: Program, seed: int, horizon: int, preemptions: int, max_steps: int,
                 pool: list[int] | None = None) -> None:
        self.program = program
        self.seed = seed
        self.rng = random.Random(seed)
        self.points: set[int] = set()
        for _ in range(preemptions if seed else 0):
            # Half the points just before a write or a sync call, where a switch most often
            # matters; half anywhere, for a reader caught in the middle of a walk.
            if pool and self.rng.random() < POOLED:
                self.points.add(self.rng.choice(pool))
            else:
                self.points.add(self.rng.randint(1, horizon))
        self.pool: list[int] = []  # this run's steps just before a write or a sync call
        self.max_steps = max_steps
        self.tasks: list[_Task] = []
        self.by_ident: dict[int, _Task] = {}
        self.current: _Task | None = None
        self.clock = 0.0
        self.steps = 0
        self.trace: list[Step] = []
        self.outcome: tuple[str, str] | None = None  # (kind, message) when the run ended early
        self.aborted = False
        self.finished = _allocate()
        self.finished.acquire()
        self.thread_numbers = 0
        self.last_progress = _real_clock()
        self.made: dict[Any, int] = {}  # primitives made so far by each learner line
        self.deadlocked: list[str] = []  # the threads waiting when a deadlock was found
        self.spins = 0  # loop back-edges taken: a loop with no switch point still ends at the limit

    # ---- who am I

    def task(self) -> _Task | None:
        task = self.by_ident.get(_get_ident())
        return task if task is not None and task is self.current else None

    # ---- starting and ending threads

    def spawn(self, name: str, func: Callable[[], Any], handle: Any = None) -> _Task:
        task = _Task(name, func, handle)
        task.in_plan = handle is None  # one of the scenario's threads, not one learner code started
        self.tasks.append(task)
        task.thread = _RealThread(target=self._bootstrap, args=(task,), name=name, daemon=True)
        task.thread.start()
        return task

    def _bootstrap(self, task: _Task) -> None:
        task.ident = _get_ident()
        self.by_ident[task.ident] = task
        self.program.instrument_thread(self)
        task.gate.acquire()  # wait for the first turn
        try:
            if not self.aborted:
                task.value = task.func()
        except _Abort:
            pass
        except BaseException as error:  # reported by the explorer, with the interleaving
            if not self.aborted:
                task.error = error
        finally:
            self.program.uninstrument_thread()
            self._task_done(task)

    def _task_done(self, task: _Task) -> None:
        self._settle_store(task)
        task.state = "done"
        if self.aborted:
            return
        nxt = self._pick()
        if nxt is not None:
            self._hand_to(nxt)
        elif all(t.state == "done" for t in self.tasks):
            self.current = None
            self.finished.release()
        else:
            self._nobody_can_run()

    def start(self) -> None:
        first = self._pick()
        if first is None:
            self.finished.release()
        else:
            self._hand_to(first)

    # ---- choosing who runs

    def _pick(self) -> _Task | None:
        runnable = [t for t in self.tasks if t.can_run(self.clock)]
        if not runnable:
            timed = [t for t in self.tasks if t.state == "blocked" and t.deadline is not None]
            if not timed:
                return None
            self.clock = max(self.clock, min(t.deadline for t in timed))
            runnable = [t for t in self.tasks if t.can_run(self.clock)]
        return self.rng.choice(runnable) if runnable else None

    def _hand_to(self, nxt: _Task) -> None:
        self.current = nxt
        self.last_progress = _real_clock()
        nxt.gate.release()

    def _switch(self, me: _Task, nxt: _Task) -> None:
        """Give the turn to ``nxt`` and wait until it comes back to ``me``."""
        me.parked = True
        self._hand_to(nxt)
        me.gate.acquire()
        me.parked = False

    def point(self, me: _Task, writes: bool = False) -> None:
        """A switch point: maybe preempt the running thread. ``writes``: the step changes state."""
        self.steps += 1
        if writes:
            self.pool.append(self.steps)
        self.last_progress = _real_clock()
        if self.steps > self.max_steps:
            self._over_the_limit(me)
        if self.steps in self.points:
            others = [t for t in self.tasks if t is not me and t.can_run(self.clock)]
            if others:
                self._switch(me, self.rng.choice(others))

    def spin(self, me: _Task) -> None:
        """A loop went round: counted toward the step limit, but not a place to preempt."""
        self.spins += 1
        self.last_progress = _real_clock()
        if self.spins > self.max_steps:
            self._over_the_limit(me)

    def _over_the_limit(self, me: _Task) -> None:
        """End the schedule and park the spinning thread for good: it is idle from now on.

        This runs inside a trace or monitoring callback, where raising is not safe, so the
        thread is not unwound; it is a daemon thread that never runs again.
        """
        self.stop("steps", f"the threads took more than {self.max_steps} steps without finishing")
        me.stuck = True
        me.gate.acquire()

    def block(self, me: _Task, until: Callable[[], bool], what: str, deadline: float | None = None) -> bool:
        """Wait (letting other threads run) until ``until()`` holds; False if ``deadline`` passed first."""
        me.until, me.deadline, me.waiting_for = until, deadline, what
        me.where = self.program.learner_line()
        shown = False
        try:
            while True:
                if self.aborted:
                    raise _Abort
                if until():
                    return True
                if deadline is not None and self.clock >= deadline:
                    return False
                if not shown:
                    self.record(me, me.where, what)
                    shown = True
                me.state = "blocked"
                nxt = self._pick()
                if nxt is None:
                    self._nobody_can_run()
                    raise _Abort
                if nxt is not me:
                    self._switch(me, nxt)
                me.state = "runnable"
        finally:
            me.state = "runnable"
            me.until, me.deadline = None, None

    def stop(self, kind: str, message: str) -> None:
        """End this schedule: every parked thread is let go and unwinds at its next sync call."""
        if self.outcome is None:
            self.outcome = (kind, message)
        if self.aborted:
            return
        self._let_go()

    def _let_go(self) -> None:
        """Mark the schedule over, release every thread waiting for a turn, and wake the check."""
        self.aborted = True  # the threads let go unwind at their next sync call
        for task in self.tasks:
            if task.parked or (task is not self.current and task.state != "done" and task.gate.locked()):
                task.parked = False  # parked, or never given its first turn
                try:
                    task.gate.release()
                except RuntimeError:
                    pass
        try:
            self.finished.release()
        except RuntimeError:
            pass

    def after_abort(self) -> None:
        """An instruction of a thread let go after the schedule ended: it should unwind at its
        next sync call; one that spins instead is parked for good after a while."""
        task = self.by_ident.get(_get_ident())
        if task is None:
            return
        task.spins_after_abort += 1
        if task.spins_after_abort > self.max_steps:
            task.stuck = True
            task.gate.acquire()

    def _nobody_can_run(self) -> None:
        """Every thread left is waiting: a deadlock if one of the scenario's threads is among them.

        Threads the learner's code started on its own (at import, say) and left waiting do not
        keep a finished scenario from its verdict: the schedule ends and they are let go.
        """
        if any(t.in_plan and t.state != "done" for t in self.tasks):
            self._deadlock()
            return
        self._let_go()
        self.current = None

    def _deadlock(self) -> None:
        waiting = [t for t in self.tasks if t.state == "blocked"]
        self.deadlocked = [t.name for t in waiting]
        lines = []
        for task in waiting:
            source = self.program.source_of(task.where)
            holds = [self.name_of(lock) for lock in task.held]
            held = f", holding {', '.join(holds)}" if holds else ""
            at = f", at line {task.where} `{source}`" if task.where else ""
            lines.append(f"  thread {task.name}{at}{held}, {task.waiting_for}")
        self.stop("deadlock", "Every thread is waiting and none can go on — a deadlock:\n" + "\n".join(lines))

    # ---- the trace

    def record(self, me: _Task, line: int, note: str | None = None,
               access: tuple[int, str, str, str] | None = None) -> Step:
        self._settle_store(me)
        last = self.trace[-1] if self.trace else None
        if not line and not note and last is not None:
            return last  # nothing to show: a step outside the learner's file
        if last is not None and last.thread == me.name and last.line == line:
            step = last
        else:
            step = Step(me.name, line)
            self.trace.append(step)
        if note and note not in step.notes[-1:]:
            step.notes.append(note)
        if access is not None:
            step.accesses.append(access)
        return step

    def _settle_store(self, me: _Task) -> None:
        if me.pending is not None:
            obj, attr, step = me.pending
            me.pending = None
            shown = _shown(_attribute(obj, attr))
            if shown is not None:
                step.notes.append(f"writes {attr} = {shown}")
                step.accesses.append((id(obj), "writes", attr, shown))

    def sync(self, me: _Task, note: str | None = None) -> None:
        """A synchronisation call by a learner thread: a switch point and a step of the trace."""
        self.point(me, writes=True)
        if self.aborted:
            raise _Abort
        self.note(me, note)

    def note(self, me: _Task, text: str | None) -> None:
        """A step of the trace at the learner's line, saying what a sync call did."""
        self.record(me, self.program.learner_line(), text)

    def released(self, me: _Task, text: str) -> None:
        """A release (unlock, set, semaphore release): a step, then a switch point just after it."""
        if not self.aborted:
            self.note(me, text)
            self.point(me, writes=True)

    def name_of(self, obj: Any) -> str:
        label = getattr(obj, "_kata_label", None)
        if label:
            return label
        return f"the {type(obj).__name__} made at line {getattr(obj, '_kata_line', '?')}"


def _attribute(obj: Any, attr: str) -> Any:
    try:
        return object.__getattribute__(obj, "__dict__").get(attr, _MISSING)
    except BaseException:
        return _MISSING


_MISSING = object()


def _shown(value: Any) -> str | None:
    """A short text for a value read or written, if it is a plain one; never raises."""
    try:  # isinstance() can run learner code (a raising __class__, a dead weakref.proxy)
        if value is _MISSING:
            return None
        if isinstance(value, (bool, int, float)) or value is None:
            return repr(value)
        if isinstance(value, str) and len(value) <= 20:
            return repr(value)
    except BaseException:
        pass
    return None


# --------------------------------------------------------------------------- stand-in primitives

_active: Schedule | None = None


def _context() -> tuple[Schedule | None, _Task | None]:
    schedule = _active
    if schedule is None:
        return None, None
    return schedule, schedule.task()


def _made(obj: Any) -> None:
    """Remember where learner code made a primitive, and call it by the name it was stored under."""
    schedule = _active
    obj._kata_label = None
    obj._kata_line = schedule.program.learner_line() if schedule is not None else "?"
    if schedule is not None:
        made = schedule.made.get(obj._kata_line, 0) + 1
        schedule.made[obj._kata_line] = made
        target, equals, _ = schedule.program.source_of(obj._kata_line).partition("=")
        target = target.strip()
        if equals and target.replace(".", "").replace("_", "").isalnum():
            obj._kata_label = target
        else:
            obj._kata_label = f"the {type(obj).__name__} made at line {obj._kata_line}"
        if made > 1:  # several made by one line (one per account, per key): tell them apart
            obj._kata_label += f" #{made}"


def label(obj: Any, text: str) -> Any:
    """Give a lock (or other primitive) of the learner's the name the interleaving calls it by."""
    try:
        if hasattr(obj, "_kata_line"):
            obj._kata_label = text
    except BaseException:
        pass
    return obj


def _deadline(schedule: Schedule, timeout: float | None) -> float | None:
    if timeout is None or timeout < 0:
        return None
    return schedule.clock + timeout


class Lock:
    """A stand-in for ``threading.Lock`` whose waits go through the scheduler."""

    _reentrant = False

    def __init__(self, *, _inside: Any = None) -> None:
        if _inside is None:
            _made(self)
        else:  # a Condition's own lock goes by the Condition's name
            self._kata_label, self._kata_line = _inside._kata_label, _inside._kata_line
        self._owner: _Task | None = None
        self._count = 0

    def _free_for(self, task: _Task | None) -> bool:
        return self._count == 0 or (self._reentrant and self._owner is task)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        schedule, me = _context()
        if me is None:
            if not self._free_for(None):
                if not blocking or (timeout is not None and timeout >= 0):
                    return False
                raise OutsideSchedule(f"{type(self).__name__}.acquire() would wait for ever: nothing else is running")
            self._count += 1
            return True
        schedule.sync(me)
        if not self._free_for(me):
            owner = self._owner
            if not blocking:
                schedule.note(me, f"finds {schedule.name_of(self)} taken")
                return False
            holder = f" (held by thread {owner.name})" if owner is not None else ""
            got = schedule.block(me, lambda: self._free_for(me), f"waits for {schedule.name_of(self)}{holder}", _deadline(schedule, timeout))
            if not got:
                schedule.note(me, f"gives up waiting for {schedule.name_of(self)}")
                return False
        if self._count == 0:
            self._owner = me
            me.held.append(self)
        self._count += 1
        schedule.note(me, f"takes {schedule.name_of(self)}")
        return True

    def release(self) -> None:
        schedule, me = _context()
        if self._count == 0:
            raise RuntimeError("release unlocked lock")
        if self._reentrant and me is not None and self._owner is not me:
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            if self._owner is not None and self in self._owner.held:
                self._owner.held.remove(self)
            self._owner = None
        if me is not None:
            schedule.released(me, f"releases {schedule.name_of(self)}")

    def locked(self) -> bool:
        return self._count > 0

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    # What threading.Condition asks of its lock.
    def _is_owned(self) -> bool:
        _, me = _context()
        return self._count > 0 and (self._owner is me or not self._reentrant)

    def _release_save(self) -> int:
        count = self._count
        self._count = 1
        self.release()
        return count

    def _acquire_restore(self, count: int) -> None:
        self.acquire()
        self._count = count

    def __repr__(self) -> str:
        return f"<{'locked' if self._count else 'unlocked'} {type(self).__name__}>"


class RLock(Lock):
    """A stand-in for ``threading.RLock``."""

    _reentrant = True


class Condition:
    """A stand-in for ``threading.Condition``."""

    def __init__(self, lock: Any = None) -> None:
        _made(self)
        self._lock = lock if lock is not None else RLock(_inside=self)
        self._waiters: list[list[bool]] = []
        self.acquire = self._lock.acquire
        self.release = self._lock.release

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._lock.__exit__(*exc)

    def _owned(self) -> bool:
        return self._lock._is_owned() if hasattr(self._lock, "_is_owned") else self._lock.locked()

    def wait(self, timeout: float | None = None) -> bool:
        schedule, me = _context()
        if not self._owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        if me is None:
            raise OutsideSchedule("Condition.wait() would wait for ever: nothing else is running")
        token = [False]
        self._waiters.append(token)
        saved = self._lock._release_save() if hasattr(self._lock, "_release_save") else (self._lock.release() or 1)
        try:
            notified = schedule.block(me, lambda: token[0], f"waits on {schedule.name_of(self)} for a notify", _deadline(schedule, timeout))
        finally:
            if token in self._waiters:
                self._waiters.remove(token)
            if hasattr(self._lock, "_acquire_restore"):
                self._lock._acquire_restore(saved)
            else:
                self._lock.acquire()
        return notified

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        schedule = _active
        end = None if timeout is None or schedule is None else schedule.clock + timeout
        result = predicate()
        while not result:
            if end is not None:
                left = end - schedule.clock
                if left <= 0:
                    break
                self.wait(left)
            else:
                self.wait()
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        if not self._owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        schedule, me = _context()
        woken = 0
        for token in list(self._waiters):
            if woken >= n:
                break
            token[0] = True
            self._waiters.remove(token)
            woken += 1
        if me is not None:
            schedule.note(me, f"notifies {woken} waiting thread(s)")

    def notify_all(self) -> None:
        self.notify(len(self._waiters))

    notifyAll = notify_all


class Semaphore:
    """A stand-in for ``threading.Semaphore``."""

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        _made(self)
        self._value = value

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        schedule, me = _context()
        if me is None:
            if self._value == 0:
                if not blocking or timeout is not None:
                    return False
                raise OutsideSchedule("Semaphore.acquire() would wait for ever: nothing else is running")
            self._value -= 1
            return True
        schedule.sync(me)
        if self._value == 0:
            if not blocking:
                return False
            if not schedule.block(me, lambda: self._value > 0, f"waits for {schedule.name_of(self)}", _deadline(schedule, timeout)):
                return False
        self._value -= 1
        schedule.note(me, f"takes {schedule.name_of(self)} (left: {self._value})")
        return True

    def release(self, n: int = 1) -> None:
        schedule, me = _context()
        self._value += n
        if me is not None:
            schedule.released(me, f"releases {schedule.name_of(self)} (left: {self._value})")

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()


class BoundedSemaphore(Semaphore):
    """A stand-in for ``threading.BoundedSemaphore``."""

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial = value

    def release(self, n: int = 1) -> None:
        if self._value + n > self._initial:
            raise ValueError("Semaphore released too many times")
        super().release(n)


class Event:
    """A stand-in for ``threading.Event``."""

    def __init__(self) -> None:
        _made(self)
        self._flag = False

    def is_set(self) -> bool:
        return self._flag

    isSet = is_set

    def set(self) -> None:
        schedule, me = _context()
        self._flag = True
        if me is not None:
            schedule.released(me, f"sets {schedule.name_of(self)}")

    def clear(self) -> None:
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        schedule, me = _context()
        if self._flag:
            return True
        if me is None:
            if timeout is not None:
                return False
            raise OutsideSchedule("Event.wait() would wait for ever: nothing else is running")
        schedule.sync(me)
        return schedule.block(me, lambda: self._flag, f"waits for {schedule.name_of(self)} to be set", _deadline(schedule, timeout))


class Barrier:
    """A stand-in for ``threading.Barrier``."""

    def __init__(self, parties: int, action: Callable[[], Any] | None = None, timeout: float | None = None) -> None:
        _made(self)
        self.parties = parties
        self._action = action
        self._timeout = timeout
        self._arrived = 0
        self._generation = 0
        self.broken = False

    @property
    def n_waiting(self) -> int:
        return self._arrived

    def wait(self, timeout: float | None = None) -> int:
        schedule, me = _context()
        if me is None:
            raise OutsideSchedule("Barrier.wait() would wait for ever: nothing else is running")
        if self.broken:
            raise _threading.BrokenBarrierError
        schedule.sync(me, f"arrives at {schedule.name_of(self)}")
        index = self._arrived
        self._arrived += 1
        generation = self._generation
        if self._arrived == self.parties:
            if self._action is not None:
                self._action()
            self._arrived = 0
            self._generation += 1
            return index
        timeout = self._timeout if timeout is None else timeout
        passed = schedule.block(me, lambda: self._generation != generation or self.broken, f"waits at {schedule.name_of(self)}", _deadline(schedule, timeout))
        if not passed or self.broken:
            self.broken = True
            raise _threading.BrokenBarrierError
        return index

    def abort(self) -> None:
        self.broken = True

    def reset(self) -> None:
        self.broken = False
        self._arrived = 0


class Thread:
    """A stand-in for ``threading.Thread`` whose thread runs under the scheduler."""

    def __init__(self, group: Any = None, target: Callable[..., Any] | None = None, name: str | None = None,
                 args: tuple = (), kwargs: dict | None = None, *, daemon: bool | None = None) -> None:
        schedule = _active
        if name is None:
            number = 0
            if schedule is not None:
                schedule.thread_numbers += 1
                number = schedule.thread_numbers
            name = f"Thread-{number}"
        self._target, self._args, self._kwargs = target, args, kwargs or {}
        self._name = str(name)
        self._daemon = bool(daemon)
        self._task: _Task | None = None

    def run(self) -> None:
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("threads can only be started once")
        schedule, me = _context()
        if schedule is None:
            raise OutsideSchedule("Thread.start() outside a schedule")
        self._task = schedule.spawn(self._name, self.run, handle=self)
        if me is not None:
            schedule.sync(me, f"starts thread {self._name}")

    def join(self, timeout: float | None = None) -> None:
        schedule, me = _context()
        task = self._task
        if task is None:
            raise RuntimeError("cannot join thread before it is started")
        if task is me:
            raise RuntimeError("cannot join current thread")
        if task.state == "done":
            return
        if me is None:
            raise OutsideSchedule("Thread.join() would wait for ever: nothing else is running")
        schedule.sync(me)
        schedule.block(me, lambda: task.state == "done", f"waits for thread {self._name} to finish", _deadline(schedule, timeout))

    def is_alive(self) -> bool:
        return self._task is not None and self._task.state != "done"

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = str(value)

    @property
    def daemon(self) -> bool:
        return self._daemon

    @daemon.setter
    def daemon(self, value: bool) -> None:
        if self._task is not None:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemon = bool(value)

    @property
    def ident(self) -> int | None:
        return self._task.ident if self._task is not None else None

    native_id = ident

    def getName(self) -> str:
        return self._name

    def isDaemon(self) -> bool:
        return self._daemon

    def __repr__(self) -> str:
        return f"<Thread({self._name}, {'started' if self._task else 'initial'})>"


def _current_thread() -> Any:
    """The stand-in Thread object for threads learner code started, the real one otherwise."""
    schedule = _active
    task = schedule.by_ident.get(_get_ident()) if schedule is not None else None
    if task is not None and task.handle is not None:
        return task.handle
    return _threading.current_thread()


def sleep(seconds: float) -> None:
    """Sleep on the explorer's virtual clock; a scenario's own functions (a slow factory) use it too."""
    schedule, me = _context()
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if schedule is None:
        return
    if me is None:
        schedule.clock += seconds
        return
    schedule.sync(me)
    schedule.block(me, lambda: False, f"sleeps {seconds:g} s", schedule.clock + seconds)


def _now() -> float:
    schedule = _active
    return schedule.clock if schedule is not None else 0.0


# --------------------------------------------------------------------------- stand-in modules


def _module(name: str, real: Any, **overrides: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
    module.__dict__.update(overrides)
    return module


def _stand_in_modules(rng: random.Random) -> dict[str, Any]:
    """The modules a fresh copy of the learner's module imports in place of the real ones.

    All but ``random`` are the same for every schedule (their primitives look up the running
    schedule when called), so they are built once; ``random`` is seeded by the schedule.
    """
    global _SHARED_STAND_INS
    if _SHARED_STAND_INS is None:
        _SHARED_STAND_INS = _shared_stand_ins()
    random_ = _module("random", random)
    for name in ("random", "uniform", "randint", "randrange", "choice", "choices", "shuffle", "sample", "gauss",
                 "expovariate", "triangular", "betavariate", "normalvariate", "getrandbits", "seed"):
        setattr(random_, name, getattr(rng, name))
    return {**_SHARED_STAND_INS, "random": random_}


_SHARED_STAND_INS: dict[str, Any] | None = None


def _shared_stand_ins() -> dict[str, Any]:
    threading_ = _module(
        "threading", _threading,
        Lock=Lock, RLock=RLock, Condition=Condition, Semaphore=Semaphore, BoundedSemaphore=BoundedSemaphore,
        Event=Event, Barrier=Barrier, Thread=Thread, current_thread=_current_thread, currentThread=_current_thread,
    )
    time_ = _module(
        "time", _time,
        sleep=sleep,
        monotonic=lambda: _EPOCH_MONOTONIC + _now(),
        perf_counter=lambda: _EPOCH_MONOTONIC + _now(),
        time=lambda: _EPOCH_WALL + _now(),
        monotonic_ns=lambda: int((_EPOCH_MONOTONIC + _now()) * 1e9),
        perf_counter_ns=lambda: int((_EPOCH_MONOTONIC + _now()) * 1e9),
        time_ns=lambda: int((_EPOCH_WALL + _now()) * 1e9),
    )
    fakes = {"threading": threading_, "time": time_}
    importer = _importer(fakes)
    queue_ = _reload("queue", importer)
    queue_.SimpleQueue = queue_._PySimpleQueue
    fakes["queue"] = queue_
    base = _reload("concurrent.futures._base", importer)
    futures_ = _module("concurrent.futures", sys.modules.get("concurrent.futures") or _real_import("concurrent.futures", fromlist=["_"]),
                       Future=base.Future, wait=base.wait, as_completed=base.as_completed)
    fakes["concurrent.futures"] = futures_
    fakes["concurrent"] = types.SimpleNamespace(futures=futures_)
    return fakes


def _reload(name: str, importer: Callable[..., Any]) -> types.ModuleType:
    """A private copy of a standard-library module whose imports see the stand-ins."""
    path = _real_import(name, fromlist=["_"]).__file__
    module = types.ModuleType(name)
    module.__dict__["__builtins__"] = dict(vars(builtins), __import__=importer)
    exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), module.__dict__)
    return module


def _importer(fakes: dict[str, Any]) -> Callable[..., Any]:
    def load(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if level == 0:
            if name in fakes and (fromlist or "." not in name):
                return fakes[name]
            if name.startswith("concurrent.") and not fromlist and "concurrent" in fakes:
                return fakes["concurrent"]
        return _real_import(name, globals, locals, fromlist, level)

    return load


# --------------------------------------------------------------------------- the learner's program


@dataclass(frozen=True)
class _Instruction:
    """What the scheduler needs to know of one instruction of the learner's file."""

    opname: str
    argval: Any
    index: int  # its position in the code object's instructions
    shared: bool  # touches shared state or runs other code: a switch point
    writes: bool  # changes state: a step preemption points are drawn from
    back_edge: bool  # jumps back (a loop goes round): counted toward the step limit

    @classmethod
    def of(cls, ins: dis.Instruction, index: int) -> _Instruction:
        shared = any(part in ins.opname for part in _SHARED)
        back = not shared and "JUMP" in ins.opname and isinstance(ins.argval, int) and ins.argval < ins.offset
        return cls(ins.opname, ins.argval, index, shared, shared and ins.opname.startswith(_WRITES), back)


class Program:
    """The learner's file, compiled once, and the instrumentation that makes its switch points."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        source = Path(path).read_text(encoding="utf-8")
        self.lines = source.splitlines()
        self.code = compile(source, self.path, "exec")
        self.codes: dict[Any, dict[int, _Instruction]] = {}
        self.instructions: dict[Any, list[dis.Instruction]] = {}
        self._collect(self.code)
        self.name = Path(path).stem
        self._tool: int | None = None
        self.schedule: Schedule | None = None

    def _collect(self, code: Any) -> None:
        instructions = list(dis.get_instructions(code))
        self.instructions[code] = instructions
        self.codes[code] = {ins.offset: _Instruction.of(ins, index) for index, ins in enumerate(instructions)}
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                self._collect(const)

    def source_of(self, line: Any) -> str:
        if isinstance(line, int) and 0 < line <= len(self.lines):
            return self.lines[line - 1].strip()
        return ""

    def line_of(self, error: BaseException) -> int:
        """The last line of the learner's file an exception went through."""
        line, tb = 0, error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in self.codes:
                line = tb.tb_lineno
            tb = tb.tb_next
        return line

    def learner_line(self) -> int:
        """The line of the learner's file the current thread is on (innermost learner frame)."""
        frame = sys._getframe(1)
        codes = self.codes
        while frame is not None:
            if frame.f_code in codes:
                return frame.f_lineno or 0
            frame = frame.f_back
        return 0

    def fresh_module(self, rng: random.Random) -> types.ModuleType:
        module = types.ModuleType(self.name)
        module.__file__ = self.path
        module.__dict__["__builtins__"] = dict(vars(builtins), __import__=_importer(_stand_in_modules(rng)))
        borrowed = self.name not in sys.modules  # dataclasses and typing look a class's module up by name
        if borrowed:
            sys.modules[self.name] = module
        try:
            exec(self.code, module.__dict__)
        finally:
            if borrowed:
                sys.modules.pop(self.name, None)
        return module

    # ---- instrumentation: sys.monitoring where it exists (3.12+), opcode tracing before

    def on_instruction(self, frame: Any, offset: int) -> None:
        """Called before each instruction of the learner's file; never raises."""
        try:
            schedule = self.schedule
            if schedule is None:
                return
            if schedule.aborted:
                schedule.after_abort()
                return
            me = schedule.task()
            if me is None:
                return
            info = self.codes[frame.f_code].get(offset)
            if info is None:
                return
            opname, argval, index = info.opname, info.argval, info.index
            if info.back_edge:
                schedule.spin(me)  # `while True: pass` still reaches the step limit
            if info.shared:
                # First, so what is read below is what the instruction will see. Steps that
                # write are where preemptions are drawn from (see Schedule).
                schedule.point(me, writes=info.writes)
                if schedule.aborted:
                    return
            note = access = None
            if opname == "LOAD_ATTR" or opname == "STORE_ATTR":
                owner = self._owner(frame, index, argval)
                if owner is not None:
                    if opname == "STORE_ATTR":
                        me.pending = (owner, argval, schedule.record(me, frame.f_lineno))
                        return
                    shown = _shown(_attribute(owner, argval))
                    if shown is not None:
                        note = f"reads {argval} = {shown}"
                        access = (id(owner), "reads", argval, shown)
            schedule.record(me, frame.f_lineno, note, access=access)
        except BaseException:
            pass

    def _owner(self, frame: Any, index: int, attr: str) -> Any:
        """The object whose attribute an instruction reads or writes, found from the loads before it."""
        instructions = self.instructions[frame.f_code]
        for back in range(index - 1, max(index - 7, -1), -1):
            ins = instructions[back]
            if ins.opname not in _LOADS_OF_NAMES:
                continue
            names = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
            for name in reversed(names):
                if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                    obj = frame.f_globals.get(name, _MISSING)
                else:
                    obj = frame.f_locals.get(name, _MISSING)
                if _attribute(obj, attr) is not _MISSING:
                    return obj
        return None

    def install(self, schedule: Schedule) -> None:
        self.schedule = schedule
        if _MONITORING is None or self._tool is not None:
            return
        self._tool = claim_monitoring_tool("threadkata explorer")
        if self._tool is None:
            return
        getframe, call = sys._getframe, self.on_instruction
        _MONITORING.register_callback(self._tool, _MONITORING.events.INSTRUCTION,
                                      lambda code, offset: call(getframe(1), offset))
        for code in self.codes:
            _MONITORING.set_local_events(self._tool, code, _MONITORING.events.INSTRUCTION)

    def uninstall(self) -> None:
        self.schedule = None

    def close(self) -> None:
        if _MONITORING is not None and self._tool is not None:
            for code in self.codes:
                _MONITORING.set_local_events(self._tool, code, 0)
            _MONITORING.register_callback(self._tool, _MONITORING.events.INSTRUCTION, None)
            _MONITORING.free_tool_id(self._tool)
            self._tool = None

    def instrument_thread(self, schedule: Schedule) -> None:
        if _MONITORING is not None:
            return
        codes, call = self.codes, self.on_instruction

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "opcode":
                call(frame, frame.f_lasti)
            return local

        def global_trace(frame: Any, event: str, arg: Any) -> Any:
            try:
                if frame.f_code in codes:
                    frame.f_trace_opcodes = True
                    return local
            except BaseException:
                pass
            return None

        _real_settrace(global_trace)

    def uninstrument_thread(self) -> None:
        if _MONITORING is None:
            _real_settrace(None)


# --------------------------------------------------------------------------- scenarios and runs


@dataclass
class Plan:
    """What a scenario returns: the threads to run, and a verdict on their results.

    ``verdict(results, run)`` gets each thread's return value by name and the finished run,
    and returns ``None`` if all is well or one or two sentences naming what went wrong.
    """

    threads: dict[str, Callable[[], Any]]
    verdict: Callable[[dict[str, Any], Run], str | None] = lambda results, run: None
    #: A sentence added to the explorer's own reports (a deadlock, an exception escaping a thread).
    advice: str = ""


@dataclass
class Run:
    """One finished schedule."""

    seed: int
    steps: int
    trace: list[Step]
    kind: str = "ok"  # ok, failed, deadlock, error, steps, stalled
    message: str = ""
    program: Program | None = None
    pool: list[int] = field(default_factory=list)  # steps just before a write or a sync call
    error: BaseException | None = None  # what a thread raised, for kind "error"
    focus: int | None = None  # the step the story starts at, if the verdict knows it
    end: int | None = None  # and the step it ends at

    @property
    def failed(self) -> bool:
        return self.kind in ("failed", "deadlock", "error")

    def reads_and_writes(self, attr: str) -> list[tuple[int, str, str, str]]:
        """(step index, thread, 'reads' or 'writes', value) for every shown access of ``attr``, in order."""
        return [access[:4] for access in self._accesses(attr)]

    def _accesses(self, attr: str) -> list[tuple[int, str, str, str, int]]:
        """As ``reads_and_writes``, with the id of the object whose attribute it is last."""
        accesses = []
        for index, step in enumerate(self.trace):
            for owner, verb, name, value in step.accesses:
                if name == attr:
                    accesses.append((index, step.thread, verb, value, owner))
        return accesses

    def steps_noting(self, words: str) -> list[int]:
        """Indices of the steps with a note that contains ``words`` ("sleeps", "takes", …)."""
        return [index for index, step in enumerate(self.trace) if any(words in note for note in step.notes)]

    def attributes(self) -> list[str]:
        """Every attribute whose reads or writes the trace shows, in order of first appearance."""
        names: dict[str, None] = {}
        for step in self.trace:
            for _, _, name, _ in step.accesses:
                names.setdefault(name, None)
        return list(names)

    def between(self, attr: str, value: Any) -> None:
        """Tell the story from the first write of ``attr`` = ``value`` to its last read."""
        shown = repr(value)
        accesses = [a for a in self.reads_and_writes(attr) if a[3] == shown]
        writes = [a[0] for a in accesses if a[2] == "writes"]
        if accesses:
            self.focus = writes[0] if writes else accesses[0][0]
            self.end = accesses[-1][0]

    def lost_update(self, attr: str | None = None) -> str | None:
        """A sentence if two threads read the same value of ``attr`` (any attribute) before either wrote it back."""
        if attr is None:
            for name in self.attributes():
                found = self.lost_update(name)
                if found:
                    return found
            return None
        everything = self._accesses(attr)
        for owner in dict.fromkeys(a[4] for a in everything):  # each object on its own
            accesses = [a for a in everything if a[4] == owner]
            for i, (index, first, verb, value, _) in enumerate(accesses):
                if verb != "reads":
                    continue
                for j in range(i + 1, len(accesses)):
                    _, second, verb2, value2, _ = accesses[j]
                    if second == first:
                        if verb2 == "writes":
                            break
                        continue
                    if verb2 == "writes":
                        break
                    if value2 == value:
                        writes = [next((a[0] for a in accesses[j + 1:] if a[1] == t and a[2] == "writes"), None) for t in (first, second)]
                        self.focus = index
                        self.end = max((w for w in writes if w is not None), default=None)
                        return (f"thread {first} and thread {second} both read {attr} = {value} before either wrote "
                                "it back, so the later write threw away the other thread's update")
        return None


@dataclass
class Report:
    """The outcome of an exploration: the first failing run, if any, and what it cost."""

    found: Run | None
    schedules: int
    seconds: float
    stopped: str = ""  # why exploration ended early without a verdict, if it did
    replayed: bool = False


def run_schedule(program: Program, scenario: Callable[[Any], Plan], seed: int, horizon: int = 1,
                 preemptions: int = PREEMPTIONS, max_steps: int = MAX_STEPS, pool: list[int] | None = None) -> Run:
    """Run ``scenario`` once under the schedule ``seed`` describes.

    Seeds other than 0 preempt at ``preemptions`` points drawn from ``pool`` (schedule 0's
    steps just before a write or a sync call), or from steps 1 … ``horizon`` without one.
    """
    global _active
    schedule = Schedule(program, seed, horizon, preemptions, max_steps, pool)
    _active = schedule
    program.install(schedule)
    try:
        module = program.fresh_module(random.Random(seed))
        plan = scenario(module)
        for name, func in plan.threads.items():
            schedule.spawn(name, func)
        schedule.start()
        while not schedule.finished.acquire(timeout=0.05):
            if _real_clock() - schedule.last_progress > STALL:
                schedule.stop("stalled", "a thread stopped reaching the scheduler (it waits on something the explorer does not control)")
                break
        for task in schedule.tasks:
            if not task.stuck:
                task.thread.join(0.2)
        run = Run(seed, schedule.steps, schedule.trace, program=program, pool=schedule.pool)
        if schedule.outcome is not None:
            run.kind, run.message = schedule.outcome
            lasts = [max((i for i, step in enumerate(run.trace) if step.thread == name), default=None) for name in schedule.deadlocked]
            lasts = [i for i in lasts if i is not None]
            if lasts:
                run.focus = min(lasts)  # so every waiting thread's column shows where it waits
            if run.kind == "deadlock" and plan.advice:
                run.message += "\n" + plan.advice
            return run
        errors = [t for t in schedule.tasks if t.error is not None]
        if errors:
            task = errors[0]
            run.kind, run.error = "error", task.error
            line = program.line_of(task.error)
            at = f" at line {line} `{program.source_of(line)}`" if line else ""
            run.message = f"Thread {task.name} raised {type(task.error).__name__}: {task.error}{at}."
            if plan.advice:
                run.message += " " + plan.advice
            return run
        results = {t.name: t.value for t in schedule.tasks if t.handle is None}
        schedule.current = None
        verdict = plan.verdict(results, run)
        if verdict:
            run.kind, run.message = "failed", verdict
        return run
    finally:
        program.uninstall()
        _active = None


def explore(path: str | Path, scenario: Callable[[Any], Plan], schedules: int = SCHEDULES,
            budget: float = BUDGET, preemptions: int = PREEMPTIONS, replay: int | None = None,
            max_steps: int = MAX_STEPS) -> Report:
    """Run ``scenario`` under schedule 0, then seeds 1, 2, … until one fails or the budget ends.

    With ``replay``, run schedule 0 (to measure the run's length, which seeds depend on) and
    then only that seed.
    """
    program = Program(path)
    started = _real_clock()
    try:
        probe = run_schedule(program, scenario, 0, 1, preemptions, max_steps)
        ran = 1
        if probe.kind in ("stalled", "steps"):
            return Report(None, ran, _real_clock() - started, probe.message)
        if probe.failed and (replay is None or replay == 0):
            return Report(probe, ran, _real_clock() - started, replayed=replay is not None)
        horizon, pool = max(probe.steps, 1), probe.pool
        seeds = [replay] if replay is not None else range(1, schedules)
        for seed in seeds:
            if replay is None and _real_clock() - started > budget:
                return Report(None, ran, _real_clock() - started, f"the {budget:g} s budget ran out")
            run = run_schedule(program, scenario, seed, horizon, preemptions, max_steps, pool)
            ran += 1
            if run.failed:
                return Report(run, ran, _real_clock() - started, replayed=replay is not None)
            if run.kind == "stalled":
                return Report(None, ran, _real_clock() - started, run.message)
        return Report(None, ran, _real_clock() - started)
    finally:
        program.close()


# --------------------------------------------------------------------------- what the learner reads


def render(run: Run, rows: int = SHOWN_ROWS, width: int = COLUMN) -> str:
    """The last ``rows`` steps of ``run``, one column per thread: line, source, values read and written."""
    program = run.program
    stop = len(run.trace) if run.end is None else min(run.end + 1, len(run.trace))
    start = max(stop - rows, 0)
    if run.focus is not None:
        start = min(start, max(run.focus - 1, 0))
    steps = run.trace[start:stop]
    gap = None
    if len(steps) > rows + 8:  # keep the start of the story and its end
        gap = (8, len(steps) - (rows - 8))
        steps = steps[:8] + steps[gap[1]:]
    threads: list[str] = []
    cells: list[tuple[str, list[str]]] = []
    for step in steps:
        if step.thread not in threads:
            threads.append(step.thread)
        source = program.source_of(step.line) if program is not None else ""
        text = [f"{step.line:>3}  {source}" if step.line else "     (in the check's own code)"]
        if step.notes:
            text.append("       " + ", ".join(step.notes))
        cells.append((step.thread, text))
    widths = {t: min(width, max([len(f"thread {t}")] + [len(x) for n, c in cells if n == t for x in c])) for t in threads}

    def clip(text: str, room: int) -> str:
        return text if len(text) <= room else text[: room - 1] + "…"

    lines = ["   ".join(f"thread {t}".ljust(widths[t]) for t in threads), "   ".join("─" * widths[t] for t in threads)]
    if start:
        lines.append(f"(… {start} earlier steps)")
    for number, (thread, text) in enumerate(cells):
        if gap is not None and number == gap[0]:
            lines.append(f"(… {gap[1] - gap[0]} steps)")
        pad = " " * sum(widths[t] + 3 for t in threads[: threads.index(thread)])
        lines.extend(pad + clip(part, widths[thread]) for part in text)
    if stop < len(run.trace):
        lines.append(f"(… {len(run.trace) - stop} later steps)")
    return "\n".join("  " + line.rstrip() for line in lines)


def describe(report: Report, replay_command: str) -> str:
    """The learner's message for a failing exploration: what broke, the interleaving, the seed."""
    run = report.found
    assert run is not None
    seed_part = "schedule 0: no thread interrupted" if run.seed == 0 else f"seed {run.seed}"
    if report.replayed:
        seed_part += ", replayed"
    else:
        seed_part += f", found on schedule {report.schedules} of at most {SCHEDULES}"
    text = [run.message, "", f"The race explorer ran your code one thread at a time and found this interleaving "
            f"({seed_part}), one column per thread:", render(run), ""]
    text.append(f"Replay exactly this interleaving: {replay_command.format(seed=run.seed)}")
    return "\n".join(text)
