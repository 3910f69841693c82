"""Stand-ins for threading's primitives, threads and sleep, whose waits go through the engine.

Each behaves as its ``threading`` namesake, except that a wait is a ``Schedule.block`` (other
threads run meanwhile; "every thread waits" is a deadlock), each call is a switch point and a
step of the trace, and time is the schedule's virtual clock. Called with no schedule running
(in a scenario's set-up or verdict), they act at once, or raise ``OutsideSchedule`` where they
would wait for ever. Every primitive remembers the learner's line that made it and the name it
was stored under, which is what the interleaving calls it.
"""

from __future__ import annotations

import threading as _threading
from collections.abc import Callable
from typing import Any

from kata.explorer import engine
from kata.explorer.engine import OutsideSchedule, Schedule, _get_ident, _Task

#: Where the virtual clock starts: time.monotonic() and time.time() read plausible values.
_EPOCH_MONOTONIC = 1000.0
_EPOCH_WALL = 1_767_225_600.0


def _made(obj: Any) -> None:
    """Remember where learner code made a primitive, and call it by the name it was stored under.

    Making one is a switch point, as a sync call is: which lock two threads end up sharing is
    decided there (a lock made for a key that another thread is making one for too).
    """
    schedule, me = engine._context()
    if me is not None and not schedule.aborted:
        schedule.point(me, True, schedule.program.site_of())
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
        schedule, me = engine._context()
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
            me.waits_on = self
            try:
                got = schedule.block(me, lambda: self._free_for(me), f"waits for {schedule.name_of(self)}{holder}", _deadline(schedule, timeout))
            finally:
                me.waits_on = None
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
        schedule, me = engine._context()
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
        _, me = engine._context()
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
        schedule, me = engine._context()
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
        schedule = engine._active
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
        schedule, me = engine._context()
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
        schedule, me = engine._context()
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
        schedule, me = engine._context()
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
        schedule, me = engine._context()
        self._flag = True
        if me is not None:
            schedule.released(me, f"sets {schedule.name_of(self)}")

    def clear(self) -> None:
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        schedule, me = engine._context()
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
        schedule, me = engine._context()
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
        schedule = engine._active
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
        schedule, me = engine._context()
        if schedule is None:
            raise OutsideSchedule("Thread.start() outside a schedule")
        self._task = schedule.spawn(self._name, self.run, handle=self)
        if me is not None:
            schedule.sync(me, f"starts thread {self._name}")

    def join(self, timeout: float | None = None) -> None:
        schedule, me = engine._context()
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
    schedule = engine._active
    task = schedule.by_ident.get(_get_ident()) if schedule is not None else None
    if task is not None and task.handle is not None:
        return task.handle
    return _threading.current_thread()


def sleep(seconds: float) -> None:
    """Sleep on the explorer's virtual clock; a scenario's own functions (a slow factory) use it too."""
    schedule, me = engine._context()
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
    schedule = engine._active
    return schedule.clock if schedule is not None else 0.0
