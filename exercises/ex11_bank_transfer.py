"""Exercise 11 — bank transfers without deadlock.

Each account has its own lock, and a transfer must hold the locks of both accounts while it
moves the money. Write `transfer` so that many threads can move money in every direction at
once: no money is lost or made, no balance goes below zero, and no two transfers ever wait
for each other forever.

The checks do not hope for the dangerous moments, they steer threads into them: opposite
transfers each holding one lock, circles of three and four accounts (made in any order of
their numbers), several transfers racing for one balance, two paying into one account, and a transfer stopped
at every step of its way while other transfers run: none may ever see it half done.
"""

import threading


class InsufficientFunds(Exception):
    """Raised by `transfer` when the source account holds less than the amount."""


class Account:
    """A bank account: a number, a balance in whole units, and a lock that guards the balance."""

    def __init__(self, number: int, balance: int) -> None:
        """Keep `number` and `balance` in attributes of those names, and make `lock`, a
        `threading.Lock` for this account alone."""
        # TODO: set self.number, self.balance and self.lock.
        raise NotImplementedError


def transfer(src: Account, dst: Account, amount: int) -> None:
    """Move `amount` from `src` to `dst`, as one step no other transfer can see half done.

    Raises `ValueError` if `amount` <= 0 or if `src` and `dst` are the same account, and
    `InsufficientFunds` if `src.balance` is less than `amount`; in both cases no balance
    changes. Another thread may be running `transfer(dst, src, ...)` at the same moment: the
    two must not end up each holding one lock and waiting for the other's.
    """
    # TODO: reject bad arguments first.
    # TODO: take both accounts' locks, in an order that every transfer agrees on.
    # TODO: with both locks held, check the balance, then move the money.
    raise NotImplementedError
