"""Checks for exercise 11: transfers never deadlock, never lose or make money, never overdraw.

The races are made to happen, not hoped for: `kata.harness.transfers` steers the worker threads
into the dangerous interleaving (opposite lock orders, overlapping read-modify-writes of one balance).
"""

from __future__ import annotations

import random
from typing import Any

from kata import explorer as explore
from kata.explorer import Plan
from kata.harness import QUICK, expect, forced_races, outcome, run_together
from kata.harness.scenarios import scenario
from kata.harness.stepping import at_every_step
from kata.harness.transfers import label, run_transfers

ORDER_ADVICE = "Every transfer must take the two locks in the same order, whichever way the money goes."
VERDICTS = {
    ("done", "done"): "both went through",
    ("refused", "refused"): "both raised InsufficientFunds",
    ("done", "refused"): "one went through and one raised InsufficientFunds",
}


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
        f"After the refused transfer(account 1, account 2, 21): {show([one, two])}; expected 20 and 5, unchanged. "
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


def test_no_transfer_is_ever_seen_half_done(exercise):
    """transfer(1 → 2, 10) is stopped before each of its steps in turn while another thread runs
    transfer(1 → 3, 10) and then transfer(2 → 3, 10): the 10 units are in account 1 or in account 2
    at every moment, so the two cannot both be refused."""
    made = []

    def pair():
        accounts = make_accounts(exercise, 10, 0, 0)
        made.append(accounts)
        one, two, three = accounts

        def both():
            return [transfer_outcome(exercise, one, three, 10), transfer_outcome(exercise, two, three, 10)]

        return (lambda: exercise.transfer(one, two, 10)), both

    for meeting in at_every_step(exercise.__file__, pair):
        later = meeting.second.outcome(
            what=f"transfer(1 → 3, 10) then transfer(2 → 3, 10), while transfer(1 → 2, 10) was stopped at line {meeting.line},",
            advice=ORDER_ADVICE,
            catch=(Exception,),
        ).get()
        first = meeting.first.outcome(what=f"transfer(1 → 2, 10), stopped at line {meeting.line},", advice=ORDER_ADVICE, catch=(exercise.InsufficientFunds,))
        raise_unexpected(later)
        accounts = made[-1]
        expect(
            later != ["refused", "refused"],
            f"Account 1 held 10, accounts 2 and 3 held 0. transfer(1 → 2, 10) was stopped at line {meeting.line} of your file while "
            f"another thread ran transfer(1 → 3, 10) and then transfer(2 → 3, 10): both raised InsufficientFunds, though the 10 "
            f"units were in account 1 or in account 2 at every moment (then transfer(1 → 2, 10) {'went through' if not first.raised else 'was refused'}, "
            f"leaving {show(accounts)}). The money was in neither account while your transfer was stopped: take it out and put it "
            "in while you hold both locks, without letting go of them in between.",
        )
        expect(
            sum(balances(accounts)) == 10,
            f"Account 1 held 10, accounts 2 and 3 held 0; after transfer(1 → 2, 10) (stopped at line {meeting.line}), "
            f"transfer(1 → 3, 10) and transfer(2 → 3, 10): {show(accounts)}, {sum(balances(accounts))} in all instead of 10.",
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
            advice="The lines below show where each transfer stood when the check stopped waiting.",
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
            advice=lambda run: (
                f"{calls[0].upper()}{calls[1:]}: each took one account's lock and now waits for the other's. {ORDER_ADVICE} "
                "Pick one order for all accounts, such as by account number."
            ) if run.cycle else RELEASE_ADVICE,
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
            said = VERDICTS.get(tuple(outcomes), outcomes)
            if outcomes == ["done", "done"]:  # returned without raising: whether each moved money, the balances say
                said = "both returned without raising" + (", and only one moved the money" if now in ([0, 100, 0], [0, 0, 100]) else "")
            asked = (
                f"Account 1 holds 100; thread A called {called(one, two, 100)} while thread B called "
                f"{called(one, three, 100)}: {said}, leaving {show([one, two, three])}. "
                "Expected one to go through and the other to raise InsufficientFunds, with account 1 at 0"
            )
            if outcomes == ["done", "done"] and now in ([0, 100, 0], [0, 0, 100]):
                return asked + ". A transfer refused for want of money must raise InsufficientFunds, not return as if it had gone through."
            if outcomes == ["done", "done"]:
                story = run.lost_update("balance")
                saw = run.read_before_written(one, "balance")
                both_saw = set(saw) == {"A", "B"} and set(saw.values()) == {"100"}
                return (
                    asked + (f" — {story}" if story else "")
                    + (". Both transfers read 100 before either took it: " if both_saw else ". ")
                    + "check the balance while you hold the locks, in the same step as taking the money."
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
            advice=lambda run: (
                f"Thread A called {called(one, two, 150)} while thread B called {called(two, one, 20)}: each "
                f"took one account's lock and now waits for the other's. {ORDER_ADVICE} Pick one order for "
                "all accounts, such as by account number."
            ) if run.cycle else RELEASE_ADVICE,
        )

    return scenario

# Helpers of the checks above: this exercise's own story ---------------------------------------


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


def transfer_outcome(exercise: Any, src: Any, dst: Any, amount: int) -> Any:
    """transfer() right here: 'done', 'refused' (InsufficientFunds) or the exception it raised."""
    try:
        exercise.transfer(src, dst, amount)
    except exercise.InsufficientFunds:
        return "refused"
    except Exception as error:  # handed to the check
        return error
    return "done"


def transfer_bounded(exercise: Any, src: Any, dst: Any, amount: int) -> Any:
    """transfer() in a watched thread; returns None or the InsufficientFunds or ValueError it raised."""
    __tracebackhide__ = True
    return outcome(
        exercise.transfer, src, dst, amount, what=label(src, dst, amount), advice="Is it waiting for a lock that is never released?",
        catch=(exercise.InsufficientFunds, ValueError),
    ).error
