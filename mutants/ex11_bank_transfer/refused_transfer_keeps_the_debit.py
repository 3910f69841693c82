# BUG: the money is taken before the check, and a refused transfer does not give it back.
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
    first, second = (src, dst) if src.number < dst.number else (dst, src)
    with first.lock, second.lock:
        src.balance -= amount
        if src.balance < 0:
            raise InsufficientFunds(src.number)
        dst.balance += amount
