# OK: RLocks taken in id() order with explicit acquire/release, and the checks written differently.
from threading import RLock


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, number, balance):
        self.number = number
        self.balance = balance
        self.lock = RLock()


def transfer(src, dst, amount):
    if src is dst or not amount > 0:
        raise ValueError(f"invalid transfer of {amount} from {src.number} to {dst.number}")
    locks = sorted([src, dst], key=id)
    locks[0].lock.acquire()
    try:
        locks[1].lock.acquire()
        try:
            new_src = src.balance - amount
            if new_src < 0:
                raise InsufficientFunds(src.number)
            src.balance = new_src
            dst.balance = dst.balance + amount
        finally:
            locks[1].lock.release()
    finally:
        locks[0].lock.release()
