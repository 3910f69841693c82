"""The harness's proof that no company can come (kata.harness.forcing.Company): quick where it is
proved, never where a thread could still move."""

from __future__ import annotations

import threading
import time

from kata.harness import calls
from kata.harness.forcing import Company


def started(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def waiting(thread: threading.Thread) -> None:
    """Until ``thread`` stands in a threading wait (bounded: a thread that never gets there fails the test)."""
    deadline = time.monotonic() + 5
    while not calls.no_wake_pending([thread]):
        assert time.monotonic() < deadline, f"{thread.name} never reached its wait"
        time.sleep(0.005)


def test_a_task_whose_only_company_waits_on_a_semaphore_for_good_is_told_at_once():
    company, slots, done = Company(), threading.Semaphore(0), threading.Event()
    thread = started(slots.acquire)
    waiting(thread)
    began = time.monotonic()
    assert company.wait(done.wait, 5.0) is None
    took = time.monotonic() - began
    slots.release()
    thread.join(5)
    assert took < calls.FOR_GOOD_STILL, f"the proof took {took:.2f} s, as long as watching the wait stand still"


def test_a_thread_waiting_with_a_timeout_is_company_that_may_still_come():
    company, done, gate = Company(), threading.Event(), threading.Event()
    thread = started(lambda: gate.wait(5))
    time.sleep(0.05)
    assert company.wait(done.wait, 0.4) is False
    gate.set()
    thread.join(5)


def test_a_notified_waiter_still_held_by_its_lock_is_not_taken_for_stuck():
    condition = threading.Condition()
    thread = started(lambda: condition.acquire() and condition.wait() and condition.release())
    waiting(thread)
    with condition:
        condition.notify()  # woken, but it cannot move until this block lets the lock go
        assert not calls.no_wake_pending([thread])
    thread.join(5)
    assert not thread.is_alive()


def test_a_join_of_a_task_waiting_for_company_proves_nothing_moves():
    company, done = Company(), threading.Event()
    results: list[bool | None] = []
    task = started(lambda: results.append(company.wait(done.wait, 5.0)))
    joiner = started(task.join)
    task.join(5)
    joiner.join(5)
    assert results == [None]


def test_a_ready_task_is_told_so():
    company, done = Company(), threading.Event()
    done.set()
    assert company.wait(done.wait, 5.0) is True
