# OK: no fixed order — take the first lock, *try* the second with a timeout, and on failure let go of both and retry.
import random
import threading
import time


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
    while True:
        with src.lock:
            if dst.lock.acquire(timeout=0.01):
                try:
                    if src.balance < amount:
                        raise InsufficientFunds(src.number)
                    src.balance -= amount
                    dst.balance += amount
                    return
                finally:
                    dst.lock.release()
        time.sleep(random.random() / 1000)  # let the other transfer through before trying again
