"""The lock-wait proof of kata.harness.deadlocks: what it proves from where threads stand, and what it leaves alone."""

from __future__ import annotations

import sys
import textwrap
import threading
import time

from kata.harness import calls, deadlocks

SOURCE = '''
import threading

class Cache:
    def __init__(self, lock):
        self._lock = lock
        self._cond = threading.Condition(lock)

    def set(self):
        with self._lock:
            pass

    def both(self):
        with self._lock:
            self.set()

    def waits(self):
        with self._lock:
            self._cond.wait(5)

def opposite(first, second, ready):
    with first.lock:
        ready.wait(5)
        with second.lock:
            pass
'''


def learner_module(tmp_path):
    path = tmp_path / "learner.py"
    path.write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    namespace = {"__name__": "learner", "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return str(path), namespace


def stuck(file, threads):
    time.sleep(0.1)  # let them reach their waits
    return deadlocks.stuck_on_locks({file}, {t.ident for t in threads}, calls._HARNESS)


def started(*targets):
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    return threads


def test_a_thread_taking_its_own_plain_lock_again_is_proved_stuck(tmp_path):
    file, learner = learner_module(tmp_path)
    cache = learner["Cache"](threading.Lock())
    threads = started(cache.both)
    found = stuck(file, threads)
    assert list(found) == [threads[0].ident]
    assert "for self._lock (a threading.Lock), which this same thread took at line" in deadlocks.story(found[threads[0].ident], {})


def test_an_rlock_taken_again_and_a_condition_wait_prove_nothing(tmp_path):
    file, learner = learner_module(tmp_path)
    reentrant = learner["Cache"](threading.RLock())
    waiting = learner["Cache"](threading.Lock())
    threads = started(reentrant.both, waiting.waits, waiting.set)  # set() waits while waits() has let the lock go
    assert stuck(file, threads) == {}


def test_two_threads_taking_two_locks_in_opposite_orders_are_proved_stuck(tmp_path):
    file, learner = learner_module(tmp_path)

    class Account:
        lock = None

    a, b = Account(), Account()
    a.lock, b.lock = threading.Lock(), threading.Lock()
    ready = threading.Barrier(2)
    threads = started(lambda: learner["opposite"](a, b, ready), lambda: learner["opposite"](b, a, ready))
    found = stuck(file, threads)
    assert sorted(found) == sorted(t.ident for t in threads), sys._current_frames()
    assert all(len(chain) == 2 for chain in found.values())
