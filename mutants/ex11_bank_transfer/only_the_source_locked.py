# BUG: only the source's lock is taken, so two transfers into one account can lose a deposit.
import threading


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
    with src.lock:
        if src.balance < amount:
            raise InsufficientFunds(src.number)
        src.balance -= amount
        dst.balance += amount
