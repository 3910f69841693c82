"""Hidden checks for exercise 14: the same behaviours as the public checks, tried in other ways."""

import threading

from kata.harness import QUICK, Call, Meeting, bounded, expect, forced_races, pausing_locks, preempt, real_sleep, run_together, settle
from kata.harness.calls import until_or_standing

LOCK_ADVICE = "Does every way out of read() and write() wake the threads waiting on the Condition?"


class Stop(BaseException):
    """What a check's with block raises: a BaseException, not an Exception."""


def stay_inside_until(lock, door, inside, leave):
    def hold():
        with getattr(lock, door)():
            inside.set()
            leave.wait(3 * QUICK)

    return hold


def test_five_readers_are_inside_together(exercise):
    """Five readers each wait inside read() for all the others: they all get in at once."""
    lock = exercise.ReadWriteLock()
    meeting = Meeting(5)

    def reader():
        with lock.read():
            return meeting(1.0)

    met = run_together([reader] * 5, limit=QUICK + 1.0, what="5 readers", advice=LOCK_ADVICE)
    expect(all(met), "5 threads went into lock.read() and waited inside for one another, but never were all five inside at once.")


def test_a_writer_waits_for_three_readers_and_then_gets_in(exercise):
    """Three readers inside; a writer stays out until the last of them leaves, then goes in."""
    lock = exercise.ReadWriteLock()
    leave = [threading.Event() for _ in range(3)]
    inside = [threading.Event() for _ in range(3)]
    readers = [Call(stay_inside_until(lock, "read", inside[i], leave[i])) for i in range(3)]
    try:
        def parked():  # the readers inside, held there by the check
            return [call.thread for call, event in zip(readers, inside) if event.is_set()]

        all_in = until_or_standing(lambda: all(e.is_set() for e in inside), QUICK, parked)
        expect(all_in, "3 threads called lock.read() on a free lock, but not all of them got in.")
        entered = threading.Event()
        writer = Call(stay_inside_until(lock, "write", entered, leave[-1]))  # it leaves as soon as the last reader has
        for i in range(3):
            settle(writer, locks=True)
            real_sleep(0.02)
            expect(not entered.is_set(), f"lock.write() went in while {3 - i} reader(s) were still inside.")
            leave[i].set()
            readers[i].result(what=f"reader {i + 1} leaving lock.read()", advice=LOCK_ADVICE)
        expect(entered.wait(QUICK), "3 readers left lock.read() one by one, but the waiting lock.write() never went in.")
    finally:
        for event in leave:
            event.set()
    writer.result(what="the writer leaving", advice=LOCK_ADVICE)


def test_two_locks_are_independent(exercise):
    """A writer inside one ReadWriteLock does not keep anybody out of another."""
    first, second = exercise.ReadWriteLock(), exercise.ReadWriteLock()
    inside, leave = threading.Event(), threading.Event()
    writer = Call(stay_inside_until(first, "write", inside, leave))
    try:
        expect(inside.wait(QUICK), "lock.write() on a free lock did not go in.")

        def use_second():
            with second.write():
                pass
            with second.read():
                pass

        bounded(use_second, what="second.write() and second.read(), while a writer is inside another lock,",
                advice="Two ReadWriteLock objects must not share their state: keep it on self, not in the module or the class.")
    finally:
        leave.set()
    writer.result(what="the writer leaving", advice=LOCK_ADVICE)


def test_a_base_exception_in_a_write_block_lets_waiting_readers_in(exercise):
    """A write block ended by a BaseException still lets the readers waiting for it in."""
    lock = exercise.ReadWriteLock()
    inside, leave = threading.Event(), threading.Event()

    def write_then_stop():
        try:
            with lock.write():
                inside.set()
                leave.wait(3 * QUICK)
                raise Stop("stopped inside the write block")
        except Stop:
            return "stopped"

    writer = Call(write_then_stop)
    try:
        expect(inside.wait(QUICK), "lock.write() on a free lock did not go in.")
        readers = [Call(lambda: lock.read().__enter__()) for _ in range(2)]
        for reader in readers:
            settle(reader)
    finally:
        leave.set()
    writer.result(what="a write() block that raised Stop", advice=LOCK_ADVICE)
    for reader in readers:
        reader.result(what="lock.read(), waiting for a writer whose block raised Stop (a BaseException),", advice=LOCK_ADVICE)


def test_many_readers_and_writers_with_forced_switches_never_overlap(exercise):
    """Two readers and three writers, with forced switches: a writer is always alone."""
    state = {"readers": 0, "writers": 0}
    guard = threading.Lock()
    seen = []

    def work(door, key):
        def run():
            for _ in range(25):
                with getattr(lock, door)():
                    with guard:
                        state[key] += 1
                        if state["writers"] > 1 or (state["writers"] and state["readers"]):
                            seen.append(dict(state))
                    real_sleep(0.0001)
                    with guard:
                        state[key] -= 1

        return run

    with forced_races(exercise):
        lock = exercise.ReadWriteLock()
        run_together([work("read", "readers")] * 2 + [work("write", "writers")] * 3, limit=10, what="2 readers and 3 writers", advice=LOCK_ADVICE)
    expect(not seen, f"2 reader and 3 writer threads with forced switches: once {seen[0] if seen else ''} were inside at the same time.")


def test_a_new_reader_queues_behind_a_waiting_writer(exercise):
    """A reader inside, a writer waiting: a new reader waits behind the writer, which goes in first when the reader leaves."""
    lock = exercise.ReadWriteLock()
    first_in, first_out = threading.Event(), threading.Event()
    first = Call(stay_inside_until(lock, "read", first_in, first_out))
    writer_in, writer_out = threading.Event(), threading.Event()
    late_in = threading.Event()
    try:
        expect(first_in.wait(QUICK), "lock.read() on a free lock did not go in.")
        writer = Call(stay_inside_until(lock, "write", writer_in, writer_out))
        settle(writer)
        late = Call(stay_inside_until(lock, "read", late_in, writer_out))  # it leaves with the writer
        settle(late)
        real_sleep(0.02)
        expect(
            not late_in.is_set(),
            "A reader was inside and a writer was waiting; a new lock.read() went in ahead of the writer. Once a writer "
            "waits, new readers must wait behind it, or a stream of readers starves the writer.",
        )
        first_out.set()
        first.result(what="the first reader leaving", advice=LOCK_ADVICE)
        expect(writer_in.wait(QUICK), "The only reader left; the waiting lock.write() did not go in.")
        expect(not late_in.is_set(), "The waiting writer went in, and the new reader with it.")
    finally:
        first_out.set()
        writer_out.set()
    writer.result(what="the writer leaving", advice=LOCK_ADVICE)
    late.result(what="the new reader, after the writer had left", advice=LOCK_ADVICE)


def test_six_readers_in_and_out_leave_the_lock_free(exercise):
    """Six threads go in and out of read() 60 times each with forced pauses; then a writer gets in at once."""

    def read_often():
        for _ in range(60):
            with lock.read():
                pass

    with pausing_locks(exercise), preempt([exercise.__file__], pause=1e-4):
        lock = exercise.ReadWriteLock()
        run_together([read_often] * 6, limit=10, what="6 threads each going in and out of lock.read()", advice=LOCK_ADVICE)
    bounded(lambda: lock.write().__enter__(), what="lock.write(), after 6 threads x 60 read() blocks had all ended,",
            advice="The lock should be free. Were some reader arrivals or departures lost? Change the count only under the lock.")
