"""Checks for exercise 14: ReadWriteLock lets readers share, keeps a writer alone and does not starve writers."""

import sys
import threading
import time

from kata import explorer as explore
from kata.explorer import Plan
from kata.harness import (
    GATE_LIMIT,
    QUICK,
    SETTLE,
    Call,
    Meeting,
    bounded,
    expect,
    fail,
    forced_races,
    pausing_locks,
    preempt,
    real_sleep,
    run_together,
    settle,
    wait_until,
    where_threads_wait,
)
from kata.harness.calls import until_or_standing, waits_now
from kata.harness.forcing import locks_made_as
from kata.harness.scenarios import scenario

#: How long a reader of the stream holds the lock before it lets the next one take over.
READER_STAY = 0.005
#: How long a reader of the stream waits for the next one to go in (or to be seen waiting) before leaving anyway.
HANDOVER = 0.75
#: How long a writer may wait for a stream of readers to let it in.
WRITER_BOUND = 3.0
#: How many new readers may go in ahead of a writer seen waiting before it counts as starved: a
#: lock that puts new readers behind a waiting writer lets none by, however loaded the machine is;
#: one that prefers readers lets this many by in about 0.3 s.
OVERTAKEN = 50
#: How many write() blocks each of the writers goes through in and out when checking that none was lost.
WRITES = 6
LOCK_ADVICE = "Does every way out of read() and write() wake the threads waiting on the Condition?"


# --- helpers (generic; candidates for support.py) ---------------------------------------


# --- readers share -----------------------------------------------------------------------


def test_read_and_write_work_as_with_blocks(exercise):
    lock = exercise.ReadWriteLock()
    steps = []

    def use():
        with lock.read():
            steps.append("read")
        with lock.write():
            steps.append("write")
        with lock.read():
            steps.append("read again")

    bounded(use, what="with lock.read(), then with lock.write(), then with lock.read() again, in one thread,", advice=LOCK_ADVICE)
    expect(steps == ["read", "write", "read again"], f"The three with blocks ran {steps!r}, expected ['read', 'write', 'read again'].")


def test_many_readers_hold_the_lock_at_once(exercise):
    readers = 3
    lock = exercise.ReadWriteLock()
    meeting = Meeting(readers)

    def reader():
        with lock.read():
            return meeting(1.0)

    met = run_together([reader] * readers, limit=QUICK + 1.0, what=f"{readers} readers", advice=LOCK_ADVICE)
    how = "while one waited inside, the others stood waiting to go in, and nothing else ran" if meeting.none_could_come else "1 s"
    expect(
        all(met),
        f"{readers} threads went into lock.read() at the same time and each waited inside for the others, "
        f"but they were never all inside together ({how}). Readers do not change anything, so read() must let "
        "any number of them in at once: a reader waits only for a writer.",
    )


# --- a writer is alone -------------------------------------------------------------------


def test_a_writer_waits_until_every_reader_has_left(exercise):
    lock = exercise.ReadWriteLock()
    first, second = Holder(exercise, lock, "read"), Holder(exercise, lock, "read")
    first.wait_inside("A first lock.read() on a free lock")
    second.wait_inside(
        "A second lock.read() while one reader is inside", "Readers must be able to share the lock: a reader waits only for a writer.", beside=[first]
    )
    writer = Holder(exercise, lock, "write")
    writer.leave.set()
    expect(
        writer.kept_out(),
        "Two threads are inside lock.read(); another thread called lock.write() and went in while they were "
        "still there. A writer must wait until no reader is inside: count the readers and wait for 0.",
    )
    first.release("Leaving the first read() block")
    expect(
        writer.kept_out(),
        "Two readers were inside and one left; the waiting lock.write() went in although the other reader "
        "was still inside. The writer must wait until *every* reader has left.",
    )
    second.release("Leaving the second read() block")
    writer.call.result(
        what="lock.write(), waiting for two readers, after both had left,",
        advice="Does the last reader to leave wake the waiting writer (notify_all)?",
    )
    expect(writer.inside.is_set(), "lock.write() returned without running its with block.")


def test_a_reader_waits_while_a_writer_holds_the_lock(exercise):
    lock = exercise.ReadWriteLock()
    writer = Holder(exercise, lock, "write")
    writer.wait_inside("lock.write() on a free lock")
    reader = Holder(exercise, lock, "read")
    reader.leave.set()
    expect(
        reader.kept_out(),
        "A thread is inside lock.write(); another thread called lock.read() and went in while the writer "
        "was still there. A writer holds the lock alone: a reader must wait while a writer is inside.",
    )
    writer.release("Leaving the write() block")
    reader.call.result(
        what="lock.read(), waiting for a writer, after the writer had left,",
        advice="Does the writer wake the waiting readers when it leaves (notify_all)?",
    )


def test_a_writer_waits_while_another_writer_holds_the_lock(exercise):
    lock = exercise.ReadWriteLock()
    first = Holder(exercise, lock, "write")
    first.wait_inside("lock.write() on a free lock")
    second = Holder(exercise, lock, "write")
    second.leave.set()
    expect(
        second.kept_out(),
        "A thread is inside lock.write(); another thread called lock.write() and went in too. "
        "Writers must exclude each other: a writer waits while another writer is inside.",
    )
    first.release("Leaving the first write() block")
    second.call.result(what="A second lock.write(), after the first writer had left,", advice="Does a writer wake the others when it leaves?")


def test_the_lock_is_given_back_when_the_with_block_raises(exercise):
    def raise_inside(door, error):
        try:
            with getattr(lock, door)():
                raise error("raised inside the with block")
        except error:
            pass

    for error in (KeyError, Interrupted):
        for door in ("read", "write"):
            lock = exercise.ReadWriteLock()
            bounded(raise_inside, door, error, what=f"with lock.{door}() whose block raises {error.__name__}", advice=LOCK_ADVICE)
            bounded(lambda: lock.write().__enter__(), what=f"lock.write(), after a with lock.{door}() block had raised {error.__name__},",
                    advice=f"The {door}() block ended with {error.__name__}{SAID_BASE if error is Interrupted else ''} and the lock was "
                    "never given back. Give it back in a `finally:` (or an __exit__ that always runs), whatever the block raised.")


# --- under pressure ----------------------------------------------------------------------


def test_no_one_is_ever_inside_with_a_writer(exercise):
    state = {"readers": 0, "writers": 0}
    guard = threading.Lock()
    seen = []

    def look(who):
        with guard:
            if state["writers"] > 1 or (state["writers"] and state["readers"]):
                seen.append(f"{state['writers']} writer(s) and {state['readers']} reader(s) inside at once, seen by a {who}")

    def section(door, key, times):
        who = "writer" if door == "write" else "reader"

        def work():
            for _ in range(times):
                with getattr(lock, door)():
                    with guard:
                        state[key] += 1
                    look(who)
                    real_sleep(0.0002)
                    look(who)
                    with guard:
                        state[key] -= 1

        return work

    with forced_races(exercise):
        lock = exercise.ReadWriteLock()
        run_together(
            [section("read", "readers", 40) for _ in range(3)] + [section("write", "writers", 20) for _ in range(2)],
            limit=10,
            what="3 reader and 2 writer threads",
            advice=LOCK_ADVICE,
        )
    expect(
        not seen,
        f"3 threads × 40 read() blocks and 2 threads × 20 write() blocks, with forced thread switches: "
        f"{seen[0] if seen else ''} ({len(seen)} times in all). A writer must be alone inside. Check every "
        "reader and writer count under the Condition's lock, and wait until no one else is inside.",
    )


def test_the_lock_is_free_again_after_many_readers_came_and_went(exercise):
    # Forced switches that really pause (not just sleep(0)), so a count changed outside the lock
    # is changed by another reader in between, on every Python version.
    comes_and_goes(exercise, "read", 4, 100, "writer", "Were some reader arrivals or departures lost? "
                   "Change the reader count only while holding the Condition's lock.", pause=1e-4)


def test_the_lock_is_free_again_after_many_writers_came_and_went(exercise):
    # A forced switch, with a short real pause, at every instruction (measured: a few blocks then
    # suffice on every version, where random switches needed many), so a count of waiting writers
    # changed outside the lock is changed by another writer between its read and its write, every time.
    comes_and_goes(exercise, "write", 4, WRITES, "reader", "Were some writer arrivals or departures lost? Change the count "
                   "of waiting writers (and every other count) only while holding the Condition's lock.", rate=1.0, pause=1e-5)


def comes_and_goes(exercise, door, threads, times, then, advice, **switches):
    """``threads`` threads each go ``times`` in and out of ``lock.<door>()``, with forced switches
    (``switches`` for :func:`preempt`); then a ``then`` ("reader" or "writer") must get in at once."""
    __tracebackhide__ = True

    def often():
        for _ in range(times):
            with getattr(lock, door)():
                pass

    with pausing_locks(exercise), preempt([exercise.__file__], **switches):
        lock = exercise.ReadWriteLock()
        run_together([often] * threads, limit=10, what=f"{threads} threads each going in and out of lock.{door}()", advice=LOCK_ADVICE)
    after = "read" if then == "reader" else "write"
    Call(lambda: getattr(lock, after)().__enter__()).result(
        what=f"lock.{after}(), after {threads} threads × {times} {door}() blocks had all ended,",
        advice=f"The lock should be free, yet the {then} waits. {advice}",
    )


def test_a_waiting_writer_is_not_starved_by_a_stream_of_readers(exercise):
    # Readers overlap in a relay: each starts the next one and leaves only once the next one is
    # inside, so with readers first the lock is never free. Once a writer waits, the next
    # reader should queue behind it; then the relay reader in front leaves and the writer goes in.
    lock = exercise.ReadWriteLock()
    stop = threading.Event()
    entered = []
    problems = []

    def reader(n, announce):
        try:
            with lock.read():
                entered.append(n)
                announce.set()
                real_sleep(READER_STAY)
                if stop.is_set():
                    return
                next_inside = threading.Event()
                follower = threading.Thread(target=reader, args=(n + 1, next_inside), name=f"kata-reader-{n + 1}", daemon=True)
                follower.start()
                deadline = time.monotonic() + HANDOVER
                while not next_inside.is_set() and not waits_now(follower) and time.monotonic() < deadline:
                    real_sleep(0.001)
        except Exception as error:
            problems.append(f"reader {n} raised {type(error).__name__}: {error}")

    def write():
        with lock.write():
            return len(entered)

    first = threading.Thread(target=reader, args=(0, threading.Event()), name="kata-reader-0", daemon=True)
    first.start()
    try:
        deadline = time.monotonic() + QUICK
        while len(entered) < 3 and not problems and time.monotonic() < deadline:
            real_sleep(0.001)
        expect(not problems, f"A relay of readers, each going into lock.read() before the last one left: {problems[0] if problems else ''}.")
        expect(
            len(entered) >= 3,
            f"A relay of readers, each going into lock.read() while the one before it is still inside: only "
            f"{len(entered)} got in within {QUICK:g} s, though no writer was waiting. Readers must be able to "
            "share the lock.\nWhere the threads are:\n" + where_threads_wait([exercise.__file__]),
        )
        asked_at = len(entered)
        writer = Call(write)
        asked, waiting_at = time.monotonic(), None
        while not writer.wait(0.01) and time.monotonic() < asked + WRITER_BOUND:
            if waiting_at is None and waits_now(writer.thread):
                waiting_at = len(entered)  # the writer is seen waiting: from here on, every reader that goes in overtakes it
            if waiting_at is not None and len(entered) - waiting_at >= OVERTAKEN:
                break
        if not writer.done():
            overtaken = f"; {len(entered) - waiting_at} of them went in while it was seen waiting" if waiting_at is not None else ""
            fail(
                f"Readers kept arriving, each going into lock.read() while the one before it was still inside. "
                f"A writer called lock.write() after reader {asked_at - 1} had gone in; "
                f"{time.monotonic() - asked:.1f} s later it was still waiting, while "
                f"{len(entered) - asked_at} more readers had gone in ahead of it{overtaken}. A waiting "
                "writer must not starve: once a writer waits, new readers should wait behind it (count the "
                "writers that are waiting, and make read() wait while there are any)."
            )
        writer.result(what="lock.write()", advice=LOCK_ADVICE, limit=0)
    finally:
        stop.set()
    expect(not problems, f"A relay of readers with a writer waiting: {problems[0] if problems else ''}.")



def test_a_reader_woken_as_a_writer_leaves_waits_again_when_another_writer_gets_in_first(exercise):
    steer = HoldBack()
    with locks_made_as(exercise, lambda real: SteeredLock(real, steer)):
        lock = bounded(exercise.ReadWriteLock, what="ReadWriteLock()", advice=LOCK_ADVICE)
    first = Holder(exercise, lock, "write")
    first.wait_inside("lock.write() on a free lock")
    reader = Holder(exercise, lock, "read")
    reader.leave.set()
    second = None
    try:
        expect(reader.kept_out(), "A thread is inside lock.write(); another thread called lock.read() and went in while the writer was still there. "
               "A writer holds the lock alone: a reader must wait while a writer is inside.")
        steer.arm(reader.call.thread)
        first.release("Leaving the write() block")
        # Until the woken reader is held back, or went in without a wait to be woken from (a plain Lock, say).
        wait_until(lambda: steer.held.is_set() or reader.inside.is_set() or reader.call.done(), SETTLE)
        if steer.held.is_set():  # the reader was woken and is about to take the lock back: a second writer comes first
            second = Holder(exercise, lock, "write")
            settle(second.call)
            steer.go.set()
            steer.passed.wait(SETTLE)
            settle(reader.call, previous=steer.woken_in)
            expect(
                not (second.inside.is_set() and reader.inside.is_set()),
                "A thread was inside lock.write() and another waited in lock.read(). The writer left; before the woken reader "
                "had taken the lock back, a second thread called lock.write() and went in. Then the reader went in too, while "
                "the second writer was still inside. A writer holds the lock alone. A thread woken from wait() must look "
                "again whether it may go in, as another thread may have got in first: is the wait in an `if` rather "
                "than a `while` loop (or wait_for)?",
            )
    finally:
        steer.go.set()
        if second is not None:
            second.leave.set()
            second.call.finish(QUICK)
    if second is not None:
        second.call.result(what="A second lock.write(), after the first writer had left,", advice=LOCK_ADVICE)
    reader.call.result(what="lock.read(), waiting for the writers, after both had left,", advice=LOCK_ADVICE)
    expect(reader.inside.is_set(), "lock.read() returned without running its with block.")

# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly. Each
# thread stays inside its with block for a while of the explorer's virtual time (a second costs
# nothing), so the others always try to go in while it is there.
#
# Left to the real-thread checks: readers_preferred (writer starvation needs an unbounded stream of
# readers; test_a_waiting_writer_is_not_starved_by_a_stream_of_readers finds it with real
# threads) and no_finally (one thread whose with block raises shows it, no race needed;
# test_the_lock_is_given_back_when_the_with_block_raises finds it).


def visits(lock, log, name, door, stay=1.0):
    """A thread that goes into ``lock.read()`` or ``lock.write()``, stays ``stay`` seconds, and leaves, noting both in ``log``."""

    def visit():
        with getattr(lock, door)():
            log.append(("enters", name, door))
            explore.sleep(stay)
            log.append(("leaves", name, door))

    return visit


def crowding(log):
    """The first time someone went in while a writer was inside, or a writer went in while anyone was: (who, door, inside) or None."""
    inside = {}
    for event, name, door in log:
        if event == "leaves":
            inside.pop(name, None)
            continue
        if inside and (door == "write" or "write" in inside.values()):
            return name, door, dict(inside)
        inside[name] = door
    return None


def with_block(door):
    return f"lock.{door}()"


def counted(run):
    """The sentence telling how an update of a count was lost, if one was: a count is written by two threads or more."""
    for attr in run.attributes():
        writers = {thread for _, thread, verb, _ in run.reads_and_writes(attr) if verb == "writes"}
        if len(writers) >= 2:
            story = run.lost_update(attr)
            if story:
                return story
    return None


@scenario("test_explorer_finds_a_writer_is_alone", finds=["writer_ignores_readers"])
def a_writer_is_alone():
    """Thread A reads while threads B and C write; each stays inside a second. Nobody may be inside with a writer."""

    def scenario(module):
        lock = module.ReadWriteLock()
        log = []

        def verdict(results, run):
            found = crowding(log)
            if found is None:
                return None
            name, door, inside = found
            stays = run.steps_noting("sleeps")
            if len(stays) >= 2:
                run.focus, run.end = stays[0], stays[1]
            there = " and ".join(f"thread {other} was still inside {with_block(d)}" for other, d in inside.items())
            return (
                f"Thread A went into lock.read() while threads B and C each went into lock.write(), every one staying "
                f"inside a second: thread {name} went into {with_block(door)} while {there}. A writer "
                "holds the lock alone: write() must wait until no reader and no other writer is inside, and read() "
                "while a writer is. Count them under the Condition's lock and wait for the count you need."
            )

        return Plan({"A": visits(lock, log, "A", "read"), "B": visits(lock, log, "B", "write"), "C": visits(lock, log, "C", "write")}, verdict)

    return scenario


@scenario("test_explorer_finds_readers_share_the_lock", finds=["plain_mutex"])
def readers_share():
    """Threads A and B each go into lock.read() and wait inside until the other one is inside too."""

    def scenario(module):
        lock = module.ReadWriteLock()
        inside = {name: explore.label(explore.Event(), f"reader {name} inside") for name in "AB"}

        def reader(me, other):
            def read():
                with lock.read():
                    inside[me].set()
                    return inside[other].wait(5)

            return read

        def verdict(results, run):
            if results["A"] and results["B"]:
                return None
            return (
                "Threads A and B each went into lock.read() and waited there up to 5 s for the other reader to come "
                "in too, but they were never inside together. Readers change nothing, so read() must let any number "
                "of them in at once: a reader waits only for a writer (inside, or waiting), not for other readers."
            )

        return Plan({"A": reader("A", "B"), "B": reader("B", "A")}, verdict)

    return scenario


@scenario("test_explorer_finds_the_lock_is_free_after_readers_left", finds=["reader_count_outside_lock"])
def the_lock_is_free_after_readers_left():
    """Threads A, B and C each stay a second in lock.read(); thread W calls lock.write() once they have all left."""

    def scenario(module):
        lock = module.ReadWriteLock()
        log = []

        def late_writer():
            explore.sleep(5)  # every reader has left by now
            visits(lock, log, "W", "write")()

        def verdict(results, run):
            found = crowding(log)
            if found is None:
                return None
            name, door, inside = found
            story = counted(run)
            there = " and ".join(f"thread {other} was still inside {with_block(d)}" for other, d in inside.items())
            return (
                f"Threads A, B and C each went into lock.read() and stayed a second, and thread W called lock.write() "
                f"later: thread {name} went into {with_block(door)} while {there}"
                + (f" — {story}" if story else "")
                + ". Change the reader count only while holding the Condition's lock."
            )

        return Plan(
            {"A": visits(lock, log, "A", "read"), "B": visits(lock, log, "B", "read"), "C": visits(lock, log, "C", "read"), "W": late_writer},
            verdict,
            advice="Threads A, B and C had each been in lock.read() for a second and left before thread W called "
            "lock.write(), so the lock was free, yet thread W waits for ever: an arrival or a departure of a reader "
            "was lost. Change the reader count only while holding the Condition's lock.",
        )

    return scenario


@scenario("test_explorer_finds_a_writer_waits_for_every_reader", finds=[])
def readers_come_and_go_beside_a_writer():
    """Threads A and B read while thread C writes; each stays a second. The reader count must stay right."""

    def scenario(module):
        lock = module.ReadWriteLock()
        log = []

        def verdict(results, run):
            found = crowding(log)
            if found is None:
                return None
            name, door, inside = found
            story = counted(run)
            there = " and ".join(f"thread {other} was still inside {with_block(d)}" for other, d in inside.items())
            return (
                f"Threads A and B went into lock.read() and thread C into lock.write(), every one staying inside a "
                f"second: thread {name} went into {with_block(door)} while {there}"
                + (f" — {story}" if story else "")
                + ". Change the reader count only while holding the Condition's lock."
            )

        return Plan(
            {"A": visits(lock, log, "A", "read"), "B": visits(lock, log, "B", "read"), "C": visits(lock, log, "C", "write")},
            verdict,
            advice="Is the reader count changed outside the Condition's lock, so that an arrival or departure was lost?",
        )

    return scenario

# Helpers of the checks above: this exercise's own story ---------------------------------------


#: What the advice adds when the with block raised :class:`Interrupted`.
SAID_BASE = " (a BaseException, not an Exception, as KeyboardInterrupt is)"


class Interrupted(BaseException):
    """What a check's with block raises to stand for KeyboardInterrupt: a BaseException, not an Exception."""


class Holder:
    """A thread that goes into ``lock.read()`` or ``lock.write()`` and stays inside until told to leave."""

    def __init__(self, exercise, lock, door):
        self.exercise = exercise
        self.door = door
        self.inside = threading.Event()
        self.leave = threading.Event()
        self.call = Call(self._hold, getattr(lock, door))

    def _hold(self, enter):
        with enter():
            self.inside.set()
            self.leave.wait(QUICK * 3)

    def wait_inside(self, what, advice=LOCK_ADVICE, *, beside=()):
        """Until this thread is inside; else fail, at QUICK or sooner once it is proved that it cannot
        go in while the holders ``beside`` (parked inside by the check) stay where they are."""
        __tracebackhide__ = True
        parked = [holder.call.thread for holder in beside]
        went = until_or_standing(lambda: self.inside.is_set() or self.call.done(), QUICK, lambda: parked)
        if self.inside.is_set():
            return
        if self.call.done():
            self.call.result(what=what, limit=0)  # raises the error that kept it out
            fail(f"{what} returned without running its with block.")
        inside = {0: "", 1: " while the thread inside stays there"}.get(len(parked), f" while the {len(parked)} threads inside stay there")
        held = f": it stands waiting, and no other thread of this check is running, so it can never go in{inside}" if went is None else f" within {QUICK:g} s"
        fail(f"{what} did not go in{held}. {advice}\nWhere the threads are:\n" + where_threads_wait([self.exercise.__file__]))

    def kept_out(self):
        """True if the thread is still outside after it has had every chance to go in."""
        settle(self.call, locks=True)
        real_sleep(0.05)
        return not self.inside.is_set()

    def release(self, what):
        __tracebackhide__ = True
        self.leave.set()
        self.call.result(what=what, advice=LOCK_ADVICE)


class HoldBack:
    """Holds one chosen thread back, once, just before it takes one of the learner's locks (each a
    :class:`SteeredLock`): a thread woken from a Condition's wait is stopped before it takes
    the lock back, so another thread can get in first, every time."""

    def __init__(self):
        self.ident = None
        self.held = threading.Event()  # the chosen thread is being held
        self.go = threading.Event()
        self.passed = threading.Event()  # and let go
        self.woken_in = None  # the threading wait it was woken from, if any

    def arm(self, thread):
        self.ident = thread.ident

    def hold(self, blocking):
        if not blocking or self.ident != threading.get_ident():
            return
        self.ident = None
        frame = sys._getframe(1)
        while frame is not None and not (frame.f_code.co_filename == threading.__file__ and frame.f_code.co_name == "wait"):
            frame = frame.f_back
        self.woken_in = frame
        self.held.set()
        self.go.wait(GATE_LIMIT)
        self.passed.set()


class SteeredLock:
    """A ``Lock``/``RLock`` stand-in that asks its :class:`HoldBack` before every blocking acquire; otherwise the real lock."""

    def __init__(self, real, steer):
        self._real, self._steer = real, steer
        self.release = real.release
        for name in ("_is_owned", "_release_save", "locked"):  # what Condition uses of an RLock
            if hasattr(real, name):
                setattr(self, name, getattr(real, name))
        if hasattr(real, "_acquire_restore"):  # how a Condition on an RLock takes it back after a wait

            def restore(state):
                steer.hold(True)
                return real._acquire_restore(state)

            self._acquire_restore = restore

    def acquire(self, blocking=True, timeout=-1):
        self._steer.hold(blocking)
        return self._real.acquire(blocking, timeout)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
