"""Checks for exercise 11: transfers never deadlock, never lose or make money, never overdraw.

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
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

from kata import explorer as explore
from kata.explorer import Plan
from kata.harness.scenarios import scenario
from kata.harness import QUICK, expect, fail, forced_races, outcome, run_together, where_threads_wait

#: Seconds a paused worker waits for the others before the stage stops steering (it cannot see
#: every way a thread may wait, e.g. on a lock it was not shown); correct code never needs it.
PATIENCE = 1.0
#: Seconds a steered group of transfers gets before the check calls it hung.
TRANSFERS_TIMEOUT = 3.0
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
ORDER_ADVICE = "Every transfer must take the two locks in the same order, whichever way the money goes."
_runs = itertools.count(1)  # numbers thread names, so a report never mixes in threads an earlier check left stuck
VERDICTS = {
    ("done", "done"): "both went through",
    ("refused", "refused"): "both raised InsufficientFunds",
    ("done", "refused"): "one went through and one raised InsufficientFunds",
}


class Stage:
    """What each worker thread of one check is doing, and the pauses that steer them."""

    def __init__(self, workers: int) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._expected = workers
        self.labels: dict[int, str] = {}  # worker ident -> what it does, for messages
        self._blocked: dict[int, tuple[Watched, bool]] = {}  # ident -> (lock awaited, with a timeout?)
        self._parked: set[int] = set()
        self._done: set[int] = set()
        self._holders: dict[Watched, list[int]] = {}  # lock -> [ident, depth]
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
        deadline = time.monotonic() + PATIENCE
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

    def waiting(self, lock: Watched, timed: bool) -> None:
        with self._cond:
            self._blocked[threading.get_ident()] = (lock, timed)
            self._settle()

    def gave_up(self) -> None:
        with self._cond:
            self._blocked.pop(threading.get_ident(), None)

    def took(self, lock: Watched) -> None:
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

    def releasing(self, lock: Watched) -> None:
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


class Watched:
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
    wrappers: dict[int, Watched] = {}
    restore: list[tuple[Any, str, Any]] = []

    def wrap(real: Any, name: str) -> Watched:
        if id(real) not in wrappers:
            wrappers[id(real)] = Watched(real, stage, name)
        return wrappers[id(real)]

    try:
        for owner, prefix in [(exercise, "the module's lock "), *[(k, f"the lock {k.__name__}.") for k in vars(exercise).values() if isinstance(k, type) and k.__module__ == exercise.__name__]]:
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
        finally:
            stage.close()
        if result == "hung":
            fail(
                f"{len(jobs)} transfers started at the same moment did not all return within {TRANSFERS_TIMEOUT:g} s: "
                + ", ".join(stage.labels.values())
                + ". Are two of them waiting for each other's lock?\nWhere the threads are:\n"
                + where_threads_wait([exercise.__file__], among=threads)
            )
    return outcomes, stage.deadlock


def raise_unexpected(outcomes: list[Any], allowed: tuple[type[BaseException], ...] = ()) -> None:
    __tracebackhide__ = True
    for got in outcomes:
        if isinstance(got, BaseException) and not isinstance(got, allowed):
            raise got


def make_accounts(exercise: Any, *balances: int) -> list[Any]:
    return [exercise.Account(number, balance) for number, balance in enumerate(balances, start=1)]


def balances(accounts: list[Any]) -> list[int]:
    return [a.balance for a in accounts]


def show(accounts: list[Any]) -> str:
    return ", ".join(f"account {a.number}: {a.balance}" for a in accounts)


def transfer_bounded(exercise: Any, src: Any, dst: Any, amount: int) -> Any:
    """transfer() in a watched thread; returns None or the InsufficientFunds or ValueError it raised."""
    __tracebackhide__ = True
    return outcome(
        exercise.transfer, src, dst, amount, what=label(src, dst, amount), advice="Is it waiting for a lock that is never released?",
        catch=(exercise.InsufficientFunds, ValueError),
    ).error


def test_an_account_keeps_its_number_balance_and_lock(exercise):
    account = exercise.Account(7, 120)
    expect(account.number == 7, f"Account(7, 120).number is {getattr(account, 'number', None)!r}, expected 7.")
    expect(account.balance == 120, f"Account(7, 120).balance is {getattr(account, 'balance', None)!r}, expected 120.")
    lock = getattr(account, "lock", None)
    expect(
        callable(getattr(lock, "acquire", None)) and callable(getattr(lock, "release", None)),
        f"Account(7, 120).lock is {lock!r}; expected a lock, such as threading.Lock().",
    )
    expect(lock.acquire(False), "Account(7, 120).lock is already held by someone right after the account was made.")
    lock.release()
    expect(issubclass(exercise.InsufficientFunds, Exception), "InsufficientFunds must be an exception class: class InsufficientFunds(Exception).")


def test_a_transfer_moves_the_money(exercise):
    one, two = make_accounts(exercise, 100, 50)
    error = transfer_bounded(exercise, one, two, 30)
    expect(error is None, f"Account 1 holds 100, account 2 holds 50; transfer(account 1, account 2, 30) raised {error!r}.")
    expect(balances([one, two]) == [70, 80], f"After transfer(account 1, account 2, 30) from 100 and 50: {show([one, two])}; expected 70 and 80.")
    error = transfer_bounded(exercise, two, one, 80)
    expect(
        error is None and balances([one, two]) == [150, 0],
        f"Then transfer(account 2, account 1, 80), all that account 2 holds: it {'raised ' + repr(error) if error else 'returned'}, "
        f"and {show([one, two])}; expected 150 and 0. Sending exactly the whole balance is allowed.",
    )


def test_insufficient_funds_changes_no_balance(exercise):
    one, two = make_accounts(exercise, 20, 5)
    error = transfer_bounded(exercise, one, two, 21)
    expect(
        isinstance(error, exercise.InsufficientFunds),
        f"Account 1 holds 20; transfer(account 1, account 2, 21) {'raised ' + repr(error) if error else 'returned normally'}; "
        "expected InsufficientFunds.",
    )
    expect(
        balances([one, two]) == [20, 5],
        f"After the error transfer(account 1, account 2, 21): {show([one, two])}; expected 20 and 5, unchanged. "
        "Check the balance before you change anything.",
    )


def test_a_zero_or_negative_amount_raises_value_error(exercise):
    one, two = make_accounts(exercise, 100, 100)
    for amount in (0, -5):
        error = transfer_bounded(exercise, one, two, amount)
        expect(
            isinstance(error, ValueError) and balances([one, two]) == [100, 100],
            f"transfer(account 1, account 2, {amount}) {'raised ' + repr(error) if error else 'returned normally'} and left "
            f"{show([one, two])}; expected ValueError and both balances unchanged at 100.",
        )


def test_a_transfer_to_the_same_account_raises_value_error(exercise):
    (one,) = make_accounts(exercise, 100)
    outcomes, deadlock = run_transfers(exercise, [(one, one, 5)])
    expect(
        deadlock is None,
        "transfer(account 1, account 1, 5) never returns: it waits forever for a lock it already holds:\n"
        f"{deadlock}\nA plain Lock cannot be taken twice, even by the same thread. Reject src is dst with "
        "ValueError before taking any lock.",
    )
    raise_unexpected(outcomes, (ValueError,))
    expect(
        isinstance(outcomes[0], ValueError) and one.balance == 100,
        f"transfer(account 1, account 1, 5) {'returned normally' if outcomes[0] == 'done' else 'gave ' + repr(outcomes[0])} and left "
        f"account 1 at {one.balance}; expected ValueError and the balance unchanged at 100.",
    )


def test_opposite_transfers_at_the_same_moment_do_not_deadlock(exercise):
    one, two = make_accounts(exercise, 100, 100)
    outcomes, deadlock = run_transfers(exercise, [(one, two, 10), (two, one, 20)])
    expect(
        deadlock is None,
        "Deadlock between account 1 and account 2: transfer(account 1 → account 2) and transfer(account 2 → "
        "account 1) started at the same moment, each took one lock and now waits forever for the other's:\n"
        f"{deadlock}\n{ORDER_ADVICE}",
    )
    raise_unexpected(outcomes)
    expect(
        balances([one, two]) == [110, 90],
        f"Accounts 1 and 2 held 100 each; after transfer(1 → 2, 10) and transfer(2 → 1, 20) at the same moment: "
        f"{show([one, two])}; expected 110 and 90.",
    )


def test_transfers_around_a_circle_do_not_deadlock(exercise):
    one, two, three = make_accounts(exercise, 100, 100, 100)
    outcomes, deadlock = run_transfers(exercise, [(one, two, 10), (two, three, 20), (three, one, 30)])
    expect(
        deadlock is None,
        "Deadlock between accounts 1, 2 and 3: transfers 1 → 2, 2 → 3 and 3 → 1 started at the same moment, "
        f"and each now waits forever for a lock another one holds:\n{deadlock}\n{ORDER_ADVICE} One order for "
        "all accounts, not just for each pair.",
    )
    raise_unexpected(outcomes)
    expect(
        balances([one, two, three]) == [120, 90, 90],
        f"Accounts 1, 2, 3 held 100 each; after transfers 1 → 2 (10), 2 → 3 (20) and 3 → 1 (30) at once: "
        f"{show([one, two, three])}; expected 120, 90, 90.",
    )


def test_two_transfers_cannot_both_spend_the_same_money(exercise):
    one, two, three = make_accounts(exercise, 100, 0, 0)
    outcomes, deadlock = run_transfers(exercise, [(one, two, 100), (one, three, 100)], contended=(one,))
    expect(deadlock is None, f"Deadlock between two transfers out of account 1:\n{deadlock}\n{ORDER_ADVICE}")
    raise_unexpected(outcomes)
    expect(
        sorted(outcomes) == ["done", "refused"] and balances([one, two, three]) in ([0, 100, 0], [0, 0, 100]),
        f"Account 1 holds 100; transfer(1 → 2, 100) and transfer(1 → 3, 100) ran at the same moment: "
        f"{VERDICTS.get(tuple(sorted(outcomes)), outcomes)}, leaving {show([one, two, three])}. "
        "Expected one to go through and the other to raise InsufficientFunds, with account 1 at 0. "
        "Both transfers saw 100 before either took it: check the balance while you hold the locks, in "
        "the same step as taking the money.",
    )


def test_no_deposit_is_lost_when_two_transfers_pay_one_account(exercise):
    one, two, three = make_accounts(exercise, 100, 100, 0)
    outcomes, deadlock = run_transfers(exercise, [(one, three, 30), (two, three, 50)], contended=(three,))
    expect(deadlock is None, f"Deadlock between two transfers into account 3:\n{deadlock}\n{ORDER_ADVICE}")
    raise_unexpected(outcomes)
    expect(
        balances([one, two, three]) == [70, 50, 80],
        f"transfer(1 → 3, 30) and transfer(2 → 3, 50) at the same moment, from 100, 100 and 0, left "
        f"{show([one, two, three])}; expected 70, 50 and 80. Both transfers read account 3's balance before "
        "either wrote it back, so one deposit was lost: hold the destination's lock as well while you "
        "change its balance.",
    )


def test_many_transfers_in_every_direction_keep_every_unit(exercise):
    start, threads, per_thread = 100, 4, 150

    def worker(seed):
        rng = random.Random(seed)

        def run():
            moved = []
            for _ in range(per_thread):
                src, dst = rng.sample(accounts, 2)
                amount = rng.randint(1, 60)
                try:
                    exercise.transfer(src, dst, amount)
                except exercise.InsufficientFunds:
                    continue
                moved.append((src.number, dst.number, amount))
            return moved

        return run

    with forced_races(exercise):
        accounts = make_accounts(exercise, *[start] * 4)
        results = run_together(
            [worker(seed) for seed in range(threads)],
            limit=2 * QUICK,
            what=f"{threads} threads × {per_thread} random transfers between 4 accounts",
            advice="Are two transfers waiting for each other's lock? " + ORDER_ADVICE,
            only_workers=True,
        )
    expected = {a.number: start for a in accounts}
    for moved in results:
        for src, dst, amount in moved:
            expected[src] -= amount
            expected[dst] += amount
    got = {a.number: a.balance for a in accounts}
    total = sum(got.values())
    expect(
        total == start * len(accounts) and all(b >= 0 for b in got.values()),
        f"{threads} threads × {per_thread} random transfers between 4 accounts of {start}: {show(accounts)} — "
        f"a total of {total}, expected {start * len(accounts)}, and no balance below 0. Money was "
        f"{'made' if total > start * len(accounts) else 'lost' if total < start * len(accounts) else 'overdrawn'}: "
        "every read and write of both balances must happen while the transfer holds both locks.",
    )
    expect(
        got == expected,
        f"{threads} threads × {per_thread} random transfers between 4 accounts of {start}: the transfers that "
        f"returned normally add up to {', '.join(f'account {n}: {b}' for n, b in expected.items())}, but the "
        f"accounts hold {show(accounts)}. A transfer that raised InsufficientFunds must change nothing, and one "
        "that returned must have moved its money.",
    )


# The race explorer runs the same transfers one thread at a time and chooses every switch itself,
# so a failure comes with the interleaving that caused it and a seed that replays it exactly; two
# transfers that wait for each other's lock are reported as a deadlock at once, with the lock each
# one holds and the lock it waits for.
#
# Left to the real-thread checks: same_account_deadlocks (one thread alone waits for its own lock, no race
# needed; test_a_transfer_to_the_same_account_raises_value_error finds it) and zero_amount_accepted
# (a wrong answer to one call; test_a_zero_or_negative_amount_raises_value_error finds it).


#: What the explorer adds when transfers that never wait for each other's lock still end up waiting.
RELEASE_ADVICE = "Does every way out of transfer() give back every lock it took, the one that raises InsufficientFunds too?"


def explored_accounts(module, *balances):
    """Accounts 1, 2, … made from the learner's fresh module, each lock named after its account."""
    accounts = make_accounts(module, *balances)
    for account in accounts:
        explore.label(getattr(account, "lock", None), f"account {account.number}'s lock")
    return accounts


def transfers(module, src, dst, amount, times=1):
    """A thread that calls transfer(src, dst, amount) ``times`` times; returns 'done', or 'refused' at the first InsufficientFunds."""

    def run():
        try:
            for _ in range(times):
                module.transfer(src, dst, amount)
        except module.InsufficientFunds:
            return "refused"
        return "done"

    return run


def called(src, dst, amount):
    return f"transfer(account {src.number}, account {dst.number}, {amount})"


@scenario(
    "test_explorer_finds_opposite_transfers_do_not_deadlock",
    finds=["deposit_after_release", "fresh_lock_per_call", "locks_in_argument_order", "only_the_source_locked"],
)
def opposite_transfers():
    """Thread A sends 10 from account 1 to account 2 twice while thread B sends 20 from 2 to 1 twice; neither may wait for ever."""

    def scenario(module):
        one, two = explored_accounts(module, 100, 50)
        calls = f"thread A called {called(one, two, 10)} twice while thread B called {called(two, one, 20)} twice"

        def verdict(results, run):
            if balances([one, two]) == [120, 30]:
                return None
            story = run.lost_update("balance")
            return (
                f"{calls[0].upper()}{calls[1:]}, from 100 and 50: {show([one, two])}, expected 120 and 30"
                + (f" — {story}" if story else "")
                + ". Every read and write of both balances must happen while the transfer holds both locks."
            )

        return Plan(
            {"A": transfers(module, one, two, 10, times=2), "B": transfers(module, two, one, 20, times=2)},
            verdict,
            advice=(
                f"{calls[0].upper()}{calls[1:]}: each took one account's lock and now waits for the other's. {ORDER_ADVICE} "
                "Pick one order for all accounts, such as by account number."
            ),
        )

    return scenario


@scenario(
    "test_explorer_finds_two_transfers_cannot_both_spend_the_same_money",
    finds=["balance_checked_outside_the_lock", "global_lock_check_outside", "refused_transfer_keeps_the_debit"],
)
def two_transfers_race_for_the_same_money():
    """Account 1 holds 100; thread A sends all of it to account 2 while thread B sends all of it to account 3."""

    def scenario(module):
        one, two, three = explored_accounts(module, 100, 0, 0)

        def verdict(results, run):
            now = balances([one, two, three])
            outcomes = sorted(results.values())
            if outcomes == ["done", "refused"] and now in ([0, 100, 0], [0, 0, 100]):
                return None
            asked = (
                f"Account 1 holds 100; thread A called {called(one, two, 100)} while thread B called "
                f"{called(one, three, 100)}: {VERDICTS.get(tuple(outcomes), outcomes)}, leaving {show([one, two, three])}. "
                "Expected one to go through and the other to raise InsufficientFunds, with account 1 at 0"
            )
            if outcomes == ["done", "done"]:
                story = run.lost_update("balance")
                return (
                    asked + (f" — {story}" if story else "") + ". Both transfers saw 100 before either took it: "
                    "check the balance while you hold the locks, in the same step as taking the money."
                )
            if "refused" in outcomes:
                return (
                    asked + ". A transfer that raises InsufficientFunds must change no balance: check the balance "
                    "before you change anything, while you hold both locks."
                )
            return asked + "."

        return Plan({"A": transfers(module, one, two, 100), "B": transfers(module, one, three, 100)}, verdict, advice=RELEASE_ADVICE)

    return scenario


@scenario("test_explorer_finds_no_deposit_is_lost", finds=[])
def two_transfers_pay_one_account():
    """Thread A sends 30 from account 1 to account 3 while thread B sends 50 from account 2 to account 3."""

    def scenario(module):
        one, two, three = explored_accounts(module, 100, 80, 0)

        def verdict(results, run):
            if balances([one, two, three]) == [70, 30, 80]:
                return None
            story = run.lost_update("balance")
            if story is None and three.balance in (30, 50):
                story = "one deposit into account 3 was lost: both transfers read its balance before either wrote it back"
            return (
                f"Thread A called {called(one, three, 30)} while thread B called {called(two, three, 50)}, from "
                f"100, 80 and 0: {show([one, two, three])}, expected 70, 30 and 80"
                + (f" — {story}" if story else "")
                + ". Hold the destination's lock as well while you change its balance: two transfers into one "
                "account must not overlap."
            )

        return Plan({"A": transfers(module, one, three, 30), "B": transfers(module, two, three, 50)}, verdict, advice=RELEASE_ADVICE)

    return scenario


@scenario("test_explorer_finds_a_refused_transfer_changes_nothing", finds=[])
def a_refused_transfer_beside_another():
    """Account 1 holds 100: thread A asks to send 150 to account 2 (refused) while thread B sends 20 from 2 to 1."""

    def scenario(module):
        one, two = explored_accounts(module, 100, 50)

        def verdict(results, run):
            if results["A"] == "refused" and results["B"] == "done" and balances([one, two]) == [120, 30]:
                return None
            said = {"done": "returned normally", "refused": "raised InsufficientFunds"}
            return (
                f"Account 1 holds 100 and account 2 holds 50; thread A called {called(one, two, 150)} while thread B "
                f"called {called(two, one, 20)}: A's call {said[results['A']]} and B's {said[results['B']]}, leaving "
                f"{show([one, two])}. Expected A's call to raise InsufficientFunds and change nothing, and B's to go "
                "through: 120 and 30. Check the balance before you change anything, while you hold both locks."
            )

        return Plan(
            {"A": transfers(module, one, two, 150), "B": transfers(module, two, one, 20)},
            verdict,
            advice=(
                f"Thread A called {called(one, two, 150)} while thread B called {called(two, one, 20)}: each "
                f"took one account's lock and now waits for the other's. {ORDER_ADVICE} Pick one order for "
                "all accounts, such as by account number."
            ),
        )

    return scenario
