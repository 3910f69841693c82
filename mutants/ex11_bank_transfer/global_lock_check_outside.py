# BUG: one module-level lock, but the balance is checked before taking it — two transfers both spend the money.
import threading

_bank = threading.Lock()


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, number, balance):
        self.number = number
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    if amount <= 0 or src is dst:
        raise ValueError("bad transfer")
    if src.balance < amount:
        raise InsufficientFunds(src.number)
    with _bank:
        src.balance -= amount
        dst.balance += amount
