# BUG: transfer(a, a, x) is not rejected: it takes a's lock twice and waits for itself forever.
import threading


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, number, balance):
        self.number = number
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    if amount <= 0:
        raise ValueError("amount must be positive")
    first, second = (src, dst) if src.number <= dst.number else (dst, src)
    with first.lock:
        with second.lock:
            if src.balance < amount:
                raise InsufficientFunds(src.number)
            src.balance -= amount
            dst.balance += amount
