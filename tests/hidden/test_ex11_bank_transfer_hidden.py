"""Hidden checks for exercise 11: the same behaviours as the public checks, tried in other ways."""

from kata.harness import expect, outcome
from kata.harness.transfers import run_transfers

ORDER_ADVICE = "Every transfer must take the two locks in the same order, whichever way the money goes."


def _h11_accounts(exercise, numbered):
    return [exercise.Account(number, balance) for number, balance in numbered]


def _h11_show(accounts):
    return ", ".join(f"account {a.number}: {a.balance}" for a in accounts)


def _h11_unexpected(outcomes):
    for got in outcomes:
        if isinstance(got, BaseException):
            raise got


def test_transfers_around_a_square_of_accounts_made_out_of_order_do_not_deadlock(exercise):
    """Transfers around four accounts, made in another order than their numbers, do not deadlock."""
    a40, a10, a30, a20 = _h11_accounts(exercise, [(40, 50), (10, 50), (30, 50), (20, 50)])
    jobs = [(a10, a20, 5), (a20, a30, 6), (a30, a40, 7), (a40, a10, 8)]
    outcomes, deadlock = run_transfers(exercise, jobs)
    expect(deadlock is None, f"Transfers 10 → 20, 20 → 30, 30 → 40 and 40 → 10 at the same moment deadlocked:\n{deadlock}\n{ORDER_ADVICE}")
    _h11_unexpected(outcomes)
    got = [a.balance for a in (a10, a20, a30, a40)]
    expect(
        got == [53, 49, 49, 49],
        f"From 50 each, transfers 10 → 20 (5), 20 → 30 (6), 30 → 40 (7), 40 → 10 (8) at once left {_h11_show([a10, a20, a30, a40])}; expected 53, 49, 49, 49.",
    )


def test_three_transfers_racing_for_one_balance_spend_it_at_most_once_each(exercise):
    """Three transfers racing for one balance: only as many go through as it can pay."""
    src, one, two, three = _h11_accounts(exercise, [(1, 100), (2, 0), (3, 0), (4, 0)])
    outcomes, deadlock = run_transfers(exercise, [(src, one, 40), (src, two, 40), (src, three, 40)], contended=(src,))
    expect(deadlock is None, f"Three transfers out of one account deadlocked:\n{deadlock}")
    _h11_unexpected(outcomes)
    expect(
        sorted(outcomes) == ["done", "done", "refused"] and src.balance == 20 and one.balance + two.balance + three.balance == 80,
        f"Account 1 held 100; three transfers of 40 out of it at the same moment gave {sorted(outcomes)} and left {_h11_show([src, one, two, three])}. "
        "Expected two to go through and one to raise InsufficientFunds, leaving 20: check and take the money in one step, under both locks.",
    )


def test_a_refused_and_an_accepted_transfer_meet_on_one_account(exercise):
    """A refused transfer beside an accepted one on the same account changes nothing itself."""
    poor, rich, other = _h11_accounts(exercise, [(5, 10), (6, 500), (7, 0)])
    outcomes, deadlock = run_transfers(exercise, [(poor, other, 11), (rich, poor, 90)], contended=(poor,))
    expect(deadlock is None, f"transfer(5 → 7, 11) and transfer(6 → 5, 90) at once deadlocked:\n{deadlock}\n{ORDER_ADVICE}")
    _h11_unexpected(outcomes)
    total = poor.balance + rich.balance + other.balance
    expect(
        total == 510 and rich.balance == 410,
        f"transfer(5 → 7, 11) and transfer(6 → 5, 90) at once, from 10, 500 and 0, left {_h11_show([poor, rich, other])}: "
        f"money was {'made' if total > 510 else 'lost' if total < 510 else 'moved wrongly'}.",
    )
    expect(
        (outcomes[0], poor.balance, other.balance) in [("refused", 100, 0), ("done", 89, 11)],
        f"transfer(5 → 7, 11) {outcomes[0]} beside transfer(6 → 5, 90) and left {_h11_show([poor, other])}. A refused transfer changes no balance.",
    )


def test_value_errors_come_before_any_lock_is_taken(exercise):
    """A zero amount or an account sent to itself is a ValueError, and no lock is left held."""
    one, two = _h11_accounts(exercise, [(1, 10), (2, 10)])
    for args, text in [((one, two, 0), "transfer(1 → 2, 0)"), ((two, two, 3), "transfer(2 → 2, 3)"), ((one, two, -1), "transfer(1 → 2, -1)")]:
        got = outcome(exercise.transfer, *args, what=text, advice="Reject it before taking a lock.", catch=(Exception,))
        expect(isinstance(got.error, ValueError), f"{text} {'returned normally' if not got.raised else f'raised {got.error!r}'}; expected ValueError.")
    free = [a.number for a in (one, two) if a.lock.acquire(False) and (a.lock.release() or True)]
    expect(
        free == [1, 2] and (one.balance, two.balance) == (10, 10),
        f"After those ValueErrors: {_h11_show([one, two])}; locks free for accounts {free}, expected 1 and 2, balances unchanged.",
    )
