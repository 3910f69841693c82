# BUG: each transfer locks its source first, then its destination — two opposite transfers deadlock.
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
        with dst.lock:
            if src.balance < amount:
                raise InsufficientFunds(src.number)
            src.balance -= amount
            dst.balance += amount
