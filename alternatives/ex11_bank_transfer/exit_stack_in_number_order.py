# OK: the locks are entered through a contextlib.ExitStack in order of account number (ties are impossible: src
# is dst is refused first), and the money moves in one tuple assignment.
import contextlib
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
        raise ValueError("the amount must be positive")
    if src is dst:
        raise ValueError("source and destination are the same account")
    with contextlib.ExitStack() as held:
        for account in sorted((src, dst), key=lambda a: a.number):
            held.enter_context(account.lock)
        if src.balance < amount:
            raise InsufficientFunds(f"{src.balance} < {amount}")
        src.balance, dst.balance = src.balance - amount, dst.balance + amount
