# BUG: the deposit is made after the locks are released, so two deposits into one account can collide.
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
        if src.balance < amount:
            raise InsufficientFunds(src.number)
        src.balance -= amount
    dst.balance += amount
