"""Exercise 11 — bank transfers without deadlock (one reference solution among several possible)."""

import threading


class InsufficientFunds(Exception):
    """Raised by `transfer` when the source account holds less than the amount."""


class Account:
    """A bank account: a number, a balance in whole units, and a lock that guards the balance."""

    def __init__(self, number: int, balance: int) -> None:
        self.number = number
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src: Account, dst: Account, amount: int) -> None:
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {amount}")
    # Checked before locking: with a plain Lock, taking the same account's lock twice would
    # wait for ourselves forever.
    if src is dst:
        raise ValueError("cannot transfer from an account to itself")
    # Every transfer takes the lower-numbered account's lock first, whichever way the money
    # goes, so no two transfers can each hold one lock and wait for the other.
    first, second = (src, dst) if src.number < dst.number else (dst, src)
    with first.lock, second.lock:
        # The check and the update happen under the same locks: checked outside, two
        # transfers could both see enough money and both take it.
        if src.balance < amount:
            raise InsufficientFunds(f"account {src.number} holds {src.balance}, cannot send {amount}")
        src.balance -= amount
        dst.balance += amount
