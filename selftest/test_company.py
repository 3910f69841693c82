"""The harness's proof that no company can come (kata.harness.forcing.Company): quick where it is
proved, never where a thread could still move."""

from __future__ import annotations

import threading
import time

from kata.harness import calls
from kata.harness.forcing import Company, Meeting


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


LEARNER = '''
def take(lock, then):
    with lock:
        return then()
'''


def learner_take(tmp_path):
    """``take(lock, then)`` from a file of its own, named to the harness as the learner's."""
    path = tmp_path / "learner.py"
    path.write_text(LEARNER, encoding="utf-8")
    namespace = {"__name__": "learner", "__file__": str(path)}
    exec(compile(LEARNER, str(path), "exec"), namespace)
    calls._exercise_files[:] = [str(path)]
    return namespace["take"]


def test_readers_meeting_inside_one_plain_lock_are_told_at_once_that_the_others_cannot_come(tmp_path):
    take = learner_take(tmp_path)
    try:
        lock, meeting, results = threading.Lock(), Meeting(3), []
        threads = [started(lambda: results.append(take(lock, lambda: meeting(5.0)))) for _ in range(3)]
        began = time.monotonic()
        for thread in threads:
            thread.join(10)
        took = time.monotonic() - began
    finally:
        calls._exercise_files.clear()
    assert results == [None, None, None] and meeting.none_could_come
    assert took < 3 * calls.FOR_GOOD_STILL, f"three proofs took {took:.2f} s"


def test_readers_that_can_share_meet():
    meeting, results = Meeting(3), []
    threads = [started(lambda: results.append(meeting(5.0))) for _ in range(3)]
    for thread in threads:
        thread.join(10)
    assert results == [True, True, True] and not meeting.none_could_come


def test_a_wait_for_what_a_thread_stuck_on_a_held_lock_would_do_ends_once_it_is_seen_standing(tmp_path):
    calls.check_started("selftest")  # the threads of "this check" are those started from here on
    take = learner_take(tmp_path)
    lock, did = threading.Lock(), threading.Event()
    try:
        with lock:
            thread = started(lambda: take(lock, did.set))
            began = time.monotonic()
            assert calls.until_or_standing(did.is_set, 5.0) is None
            took = time.monotonic() - began
        thread.join(5)
        assert did.is_set() and calls.until_or_standing(did.is_set, 5.0) is True
    finally:
        calls._exercise_files.clear()
    assert took < calls.FOR_GOOD_STILL, f"the proof took {took:.2f} s"
