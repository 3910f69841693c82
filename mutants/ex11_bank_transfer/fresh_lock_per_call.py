# BUG: a new Lock() is made in every call, so no transfer ever waits for another.
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
    with threading.Lock():
        if src.balance < amount:
            raise InsufficientFunds(src.number)
        src.balance -= amount
        dst.balance += amount
