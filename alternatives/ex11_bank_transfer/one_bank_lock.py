# OK: one module-level lock serialises every transfer (the accounts' own locks go unused); coarse, but it cannot deadlock.
import threading

_BANK = threading.Lock()


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, number, balance):
        self.number = number
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    if amount <= 0:
        raise ValueError("the amount must be positive")
    if src is dst:
        raise ValueError("source and destination are the same account")
    with _BANK:
        if src.balance < amount:
            raise InsufficientFunds(f"{src.balance} < {amount}")
        src.balance -= amount
        dst.balance += amount
