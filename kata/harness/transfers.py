"""Steering concurrent transfers into the interleavings that break them (exercise 11's stage).

The races here are made to happen, not hoped for. A `Stage` watches the worker threads at every
lock they take and at every read of a balance, and steers them into the dangerous interleaving:

* right after a worker takes its first lock it pauses until every other worker holds a lock or
  waits for one, so two transfers taking the locks in opposite orders deadlock every time;
* a worker's first read of a *contended* account's balance pauses, value in hand, until no
  other worker can run, so two read-modify-writes of one balance overlap whenever the locks
  allow it.

A pause ends as soon as no other worker can run, so correct code loses almost no time, and
when every live worker waits for a lock that another worker holds, the stage says so at once.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

from kata.harness.calls import remember_hang, where_threads_wait
from kata.harness.timing import QUICK
from kata.harness.wording import fail

#: Seconds a paused worker waits for the others before the stage stops steering (it cannot see
#: every way a thread may wait, e.g. on a lock it was not shown); correct code never needs it.
STAGE_PATIENCE = 1.0
#: Seconds a steered group of transfers gets before the check calls it hung.
TRANSFERS_TIMEOUT = 3.0
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_runs = itertools.count(1)  # numbers thread names, so a report never mixes in threads an earlier check left stuck


class Stage:
    """What each worker thread of one check is doing, and the pauses that steer them."""

    def __init__(self, workers: int) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._expected = workers
        self.labels: dict[int, str] = {}  # worker ident -> what it does, for messages
        self._blocked: dict[int, tuple[WatchedLock, bool]] = {}  # ident -> (lock awaited, with a timeout?)
        self._parked: set[int] = set()
        self._done: set[int] = set()
        self._holders: dict[WatchedLock, list[int]] = {}  # lock -> [ident, depth]
        self._took_first: set[int] = set()
        self._contended: set[int] = set()  # id() of accounts whose reads pause
        self._read: set[tuple[int, int]] = set()
        self._generation = 0
        self._steering = True
        self.deadlock: str | None = None

    # -- bookkeeping, always under self._cond --------------------------------------------------

    def _running(self) -> list[int]:
        return [i for i in self.labels if i not in self._parked and i not in self._blocked and i not in self._done]

    def _settle(self) -> None:
        """Let paused workers go once no worker can run; notice a deadlock."""
        self._cond.notify_all()
        if len(self.labels) < self._expected or self._running():
            return
        if self._parked:
            self._parked.clear()
            self._generation += 1
            return
        stuck = [i for i in self.labels if i not in self._done]
        if not stuck or any(timed for _, timed in (self._blocked[i] for i in stuck)):
            return  # a wait with a timeout ends by itself
        lines = []
        for ident in stuck:
            lock = self._blocked[ident][0]
            holder = self._holders.get(lock, [None])[0]
            if holder is None or holder not in self.labels:
                return  # the lock is free or held outside the workers: not (yet) a deadlock
            held = [w.name for w, (h, _) in self._holders.items() if h == ident]
            line = f"  {self.labels[ident]} holds {' and '.join(held) or 'no lock'} and waits for {lock.name}"
            if holder == ident:
                line += ", which it already holds itself"
            elif holder in self._done:
                line += f", which {self.labels[holder]} took and never released"
            lines.append(line)
        self.deadlock = "\n".join(lines)

    def _pause(self) -> None:
        ident = threading.get_ident()
        self._parked.add(ident)
        generation = self._generation
        self._settle()
        deadline = time.monotonic() + STAGE_PATIENCE
        while self._generation == generation and self._steering:
            remaining = deadline - time.monotonic()
            if remaining <= 0:  # someone waits where the stage cannot see: stop steering
                self._steering = False
                self._parked.clear()
                self._generation += 1
                self._cond.notify_all()
                break
            self._cond.wait(remaining)

    # -- called by workers, wrapped locks and the balance spy -------------------------------------

    def is_worker(self) -> bool:
        return threading.get_ident() in self.labels

    def contend(self, account: Any) -> None:
        """Pause each worker's first read of this account's balance."""
        self._contended.add(id(account))

    def enter(self, label: str) -> None:
        with self._cond:
            self.labels[threading.get_ident()] = label
            self._settle()

    def leave(self) -> None:
        with self._cond:
            ident = threading.get_ident()
            if ident in self.labels:
                self._done.add(ident)
                self._parked.discard(ident)
                self._blocked.pop(ident, None)
                self._settle()

    def waiting(self, lock: WatchedLock, timed: bool) -> None:
        with self._cond:
            self._blocked[threading.get_ident()] = (lock, timed)
            self._settle()

    def gave_up(self) -> None:
        with self._cond:
            self._blocked.pop(threading.get_ident(), None)

    def took(self, lock: WatchedLock) -> None:
        ident = threading.get_ident()
        with self._cond:
            self._blocked.pop(ident, None)
            held = self._holders.get(lock)
            if held is not None and held[0] == ident:
                held[1] += 1
            else:
                self._holders[lock] = [ident, 1]
            if ident not in self._took_first and self._steering:
                self._took_first.add(ident)
                self._pause()

    def releasing(self, lock: WatchedLock) -> None:
        with self._cond:
            held = self._holders.get(lock)
            if held is not None:
                held[1] -= 1
                if held[1] <= 0 or held[0] != threading.get_ident():
                    del self._holders[lock]

    def read(self, account: Any) -> None:
        ident = threading.get_ident()
        key = (ident, id(account))
        if not self._steering or key in self._read or id(account) not in self._contended or not self.is_worker():
            return
        with self._cond:
            self._read.add(key)
            self._pause()

    # -- called by the check -------------------------------------------------------------------

    def wait(self, timeout: float) -> str:
        """'done' when every worker has finished, 'deadlock' or 'hung' otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._done) < self._expected and self.deadlock is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return "hung"
                self._cond.wait(remaining)
        return "done" if self.deadlock is None else "deadlock"

    def close(self) -> None:
        with self._cond:
            self._steering = False
            self._parked.clear()
            self._generation += 1
            self._cond.notify_all()


class WatchedLock:
    """A lock the learner's code uses, wrapped so the stage sees every acquire and release."""

    def __init__(self, real: Any, stage: Stage, name: str) -> None:
        self._real = real
        self._stage = stage
        self.name = name

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not self._stage.is_worker():
            return self._real.acquire(blocking, timeout) if timeout != -1 else self._real.acquire(blocking)
        if self._real.acquire(False):
            self._stage.took(self)
            return True
        if not blocking:
            return False
        self._stage.waiting(self, timed=timeout is not None and timeout >= 0)
        got = False
        try:
            got = self._real.acquire(True, timeout) if timeout != -1 else self._real.acquire()
        finally:
            if got:
                self._stage.took(self)
            else:
                self._stage.gave_up()
        return got

    def release(self) -> None:
        self._stage.releasing(self)
        self._real.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return f"<watched {self._real!r}>"


def spy_on_balance(account: Any, stage: Stage) -> None:
    """Route reads of ``account.balance`` through the stage (the value is read *before* any pause)."""
    cls = type(account)
    found = next((vars(k)["balance"] for k in cls.__mro__ if "balance" in vars(k)), None)
    if found is not None and hasattr(type(found), "__set__"):  # a property or a slot

        def get(obj: Any) -> Any:
            return found.__get__(obj, cls)

        def put(obj: Any, value: Any) -> None:
            found.__set__(obj, value)

    elif hasattr(account, "__dict__"):

        def get(obj: Any) -> Any:
            return obj.__dict__.get("balance", found)

        def put(obj: Any, value: Any) -> None:
            obj.__dict__["balance"] = value

    else:
        return

    def read(obj: Any) -> Any:
        value = get(obj)
        stage.read(obj)
        return value

    try:
        spy = type(cls.__name__, (cls,), {"__slots__": (), "balance": property(read, put), "__module__": cls.__module__, "__qualname__": cls.__qualname__})
        account.__class__ = spy
    except Exception:  # an unusual class: it runs unsteered
        pass


@contextlib.contextmanager
def watching(exercise: Any, stage: Stage, accounts: list[Any]) -> Iterator[None]:
    """Wrap every lock the transfers can reach: the module's, the class's and each account's."""
    wrappers: dict[int, WatchedLock] = {}
    restore: list[tuple[Any, str, Any]] = []

    def wrap(real: Any, name: str) -> WatchedLock:
        if id(real) not in wrappers:
            wrappers[id(real)] = WatchedLock(real, stage, name)
        return wrappers[id(real)]

    try:
        for owner, prefix in [
            (exercise, "the module's lock "),
            *[(k, f"the lock {k.__name__}.") for k in vars(exercise).values() if isinstance(k, type) and k.__module__ == exercise.__name__],
        ]:
            for name, value in list(vars(owner).items()):
                if isinstance(value, LOCK_TYPES):
                    setattr(owner, name, wrap(value, f"{prefix}{name}" if prefix.endswith(".") else f"{prefix}{name!r}"))
                    restore.append((owner, name, value))
        for account in accounts:
            lock = getattr(account, "lock", None)
            with contextlib.suppress(AttributeError, TypeError):
                if callable(getattr(lock, "acquire", None)) and callable(getattr(lock, "release", None)):
                    account.lock = wrap(lock, f"account {account.number}'s lock")
                for name, value in list(getattr(account, "__dict__", {}).items()):
                    if isinstance(value, LOCK_TYPES):
                        setattr(account, name, wrap(value, f"account {account.number}'s lock {name!r}"))
            spy_on_balance(account, stage)
        yield
    finally:
        for owner, name, value in reversed(restore):
            setattr(owner, name, value)


def label(src: Any, dst: Any, amount: int) -> str:
    return f"transfer(account {src.number} → account {dst.number}, {amount})"


def run_transfers(exercise: Any, jobs: list[tuple[Any, Any, int]], contended: tuple[Any, ...] = ()) -> tuple[list[Any], str | None]:
    """Run each (src, dst, amount) in its own thread, all at once, steered by a Stage.

    Returns each job's outcome ('done', 'refused' for InsufficientFunds, or the exception it
    raised) and, if the transfers deadlocked, a description of who holds and waits for what.
    A group that does not finish for any other reason fails the check with where threads are.
    """
    __tracebackhide__ = True
    stage = Stage(len(jobs))
    accounts = list({id(a): a for job in jobs for a in job[:2]}.values())
    outcomes: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def body(index: int, src: Any, dst: Any, amount: int) -> None:
        try:
            barrier.wait(QUICK)
            stage.enter(label(src, dst, amount))
            exercise.transfer(src, dst, amount)
            outcomes[index] = "done"
        except exercise.InsufficientFunds:
            outcomes[index] = "refused"
        except BaseException as error:  # handed to the check
            outcomes[index] = error
        finally:
            stage.leave()

    with watching(exercise, stage, accounts):
        for account in contended:
            stage.contend(account)
        run = next(_runs)
        threads = [threading.Thread(target=body, args=(i, *job), name=f"kata-transfer-{run}.{i}", daemon=True) for i, job in enumerate(jobs)]
        try:
            for thread in threads:
                thread.start()
            result = stage.wait(TRANSFERS_TIMEOUT)
            if result == "deadlock":  # proved: later checks that wait on the same lines need not wait it out
                remember_hang([exercise.__file__], threads)
        finally:
            stage.close()
        if result == "hung":
            fail(
                f"{len(jobs)} transfers started at the same moment did not all return within {TRANSFERS_TIMEOUT:g} s: "
                + ", ".join(stage.labels.values())
                + ". No two were found waiting for each other's locks; where the threads are:\n"
                + where_threads_wait([exercise.__file__], among=threads)
            )
    return outcomes, stage.deadlock
