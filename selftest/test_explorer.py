"""The race explorer itself (kata/explorer): it finds what it must, spares correct code, replays.

Each test writes a small learner-like module into a temporary file and calls the explorer's
functions directly (``explore``, ``run_schedule``, ``render``, ``describe``), the way the checks'
``explorer`` fixture does. The explorer's instrumentation differs by interpreter (sys.monitoring
on 3.12+, opcode tracing before), so these run on every supported Python, not as tooling.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
import tokenize
from pathlib import Path

import pytest

from kata import explorer as explore
from kata.explorer import Plan

ROOT = Path(__file__).resolve().parent.parent

#: Schedules each piece of correct code is run for without a failure.
CORRECT_SCHEDULES = 300


def learner(tmp_path: Path, source: str, name: str = "learner") -> Path:
    """Write a learner-like module and return its path."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def line_of(path: Path, text: str, nth: int = 1) -> int:
    """The 1-based number of the ``nth`` line of ``path`` containing ``text``."""
    hits = [number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return hits[nth - 1]


def run_once(path: Path, scenario, seed: int = 0, **options) -> explore.Execution:
    program = explore.Program(path)
    try:
        return explore.run_schedule(program, scenario, seed, **options)
    finally:
        program.close()


def never_fails(path: Path, scenario, schedules: int = CORRECT_SCHEDULES) -> explore.Report:
    """Run ``scenario`` for ``schedules`` schedules with no time budget; return the report."""
    report = explore.explore(path, scenario, schedules=schedules, budget=1e9)
    shown = explore.describe(report, "replay {seed}") if report.found else ""
    assert report.found is None, f"false alarm on correct code:\n{shown}"
    assert report.stopped == "", report.stopped
    assert report.schedules == schedules
    return report


# --------------------------------------------------------------------------- known interleavings

COUNTERS = """
import threading
import tokenize


class Counter:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1


class LockedCounter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def increment(self):
        with self._lock:
            self.value += 1
"""


def twice_each(class_name: str):
    """Threads A and B each call increment() twice on a fresh counter; the value must be 4."""

    def scenario(module):
        counter = getattr(module, class_name)()

        def twice():
            counter.increment()
            counter.increment()

        def verdict(results, run):
            if counter.value == 4:
                return None
            return f"counter.value is {counter.value}, expected 4 — {run.lost_update() or 'an update was lost'}"

        return Plan({"A": twice, "B": twice}, verdict)

    return scenario


def test_finds_the_lost_update_in_an_unguarded_counter(tmp_path):
    path = learner(tmp_path, COUNTERS)
    report = explore.explore(path, twice_each("Counter"))
    run = report.found
    assert run is not None and run.kind == "failed", report
    assert report.schedules <= explore.SCHEDULES
    found = re.search(r"thread (\w) and thread (\w) both read value = (\d+) before either wrote it back", run.message)
    assert found, run.message
    first, second, value = found.groups()
    assert {first, second} == {"A", "B"}
    # The value named is one both threads really read, with no write of value in between.
    accesses = run.reads_and_writes("value")
    reads = [i for i, (_, thread, verb, shown) in enumerate(accesses) if verb == "reads" and shown == value and thread == first]
    assert any(
        later[1] == second and later[2] == "reads" and later[3] == value
        for start in reads
        for later in accesses[start + 1 : next((j for j in range(start + 1, len(accesses)) if accesses[j][2] == "writes"), len(accesses))]
    ), accesses


def test_a_locked_counter_is_never_failed(tmp_path):
    never_fails(learner(tmp_path, COUNTERS), twice_each("LockedCounter"))


# --------------------------------------------------------------------------- replay


def test_a_seed_replays_the_same_interleaving_in_process(tmp_path):
    path = learner(tmp_path, COUNTERS)
    found = explore.explore(path, twice_each("Counter"))
    assert found.found is not None and found.found.seed > 0
    seed = found.found.seed
    expected = (explore.render(found.found), found.found.message)
    for _ in range(20):
        report = explore.explore(path, twice_each("Counter"), replay=seed)
        assert report.replayed and report.found is not None and report.found.seed == seed
        assert (explore.render(report.found), report.found.message) == expected


REPLAY_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from kata import explorer as explore
from test_explorer import COUNTERS, twice_each
report = explore.explore(sys.argv[3], twice_each("Counter"), replay=int(sys.argv[4]))
print(explore.describe(report, "replay {seed}"))
"""


def test_a_seed_replays_the_same_interleaving_in_fresh_interpreters(tmp_path):
    path = learner(tmp_path, COUNTERS)
    found = explore.explore(path, twice_each("Counter"))
    seed = found.found.seed
    expected = explore.describe(explore.explore(path, twice_each("Counter"), replay=seed), "replay {seed}")
    here = str(Path(__file__).resolve().parent)
    outputs = []
    for hash_seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        child = subprocess.run([sys.executable, "-c", REPLAY_SCRIPT, str(ROOT), here, str(path), str(seed)],
                               capture_output=True, text=True, env=env, timeout=30, check=False)
        assert child.returncode == 0, child.stderr
        outputs.append(child.stdout.rstrip("\n"))
    assert outputs == [expected] * 3


# --------------------------------------------------------------------------- deadlocks and the virtual clock

OPPOSITE_ORDER = """
import threading
import tokenize

lock_a = threading.Lock()
lock_b = threading.Lock()


def a_then_b():
    with lock_a:
        with lock_b:
            return "ab"


def b_then_a():
    with lock_b:
        with lock_a:
            return "ba"
"""


def test_opposite_order_locking_is_a_deadlock_found_at_once(tmp_path):
    path = learner(tmp_path, OPPOSITE_ORDER)
    started = time.perf_counter()
    report = explore.explore(path, lambda module: Plan({"A": module.a_then_b, "B": module.b_then_a}))
    elapsed = time.perf_counter() - started
    run = report.found
    assert run is not None and run.kind == "deadlock", report
    assert elapsed < 1.0 and report.seconds < 1.0
    assert run.message.startswith("Every thread is waiting and none can go on — a deadlock:")
    inner_a, inner_b = line_of(path, "with lock_b:", 1), line_of(path, "with lock_a:", 2)
    assert f"thread A, at line {inner_a} `with lock_b:`, holding lock_a, waits for lock_b (held by thread B)" in run.message
    assert f"thread B, at line {inner_b} `with lock_a:`, holding lock_b, waits for lock_a (held by thread A)" in run.message


NEVER_SET = """
import threading
import tokenize

done = threading.Event()


def wait_for_done():
    done.wait()


def start_and_join():
    worker = threading.Thread(target=wait_for_done, name="waiter")
    worker.start()
    worker.join()
"""


def test_joining_a_thread_that_waits_for_an_event_never_set_is_a_deadlock(tmp_path):
    path = learner(tmp_path, NEVER_SET)
    started = time.perf_counter()
    report = explore.explore(path, lambda module: Plan({"main": module.start_and_join}))
    assert time.perf_counter() - started < 1.0
    run = report.found
    assert run is not None and run.kind == "deadlock", report
    assert f"thread main, at line {line_of(path, 'worker.join()')} `worker.join()`, waits for thread waiter to finish" in run.message
    assert f"thread waiter, at line {line_of(path, 'done.wait()')} `done.wait()`, waits for done to be set" in run.message


TIMED_WAITS = """
import threading
import tokenize
import time


def timed_waits():
    lock = threading.Lock()
    lock.acquire()
    cond = threading.Condition()
    event = threading.Event()
    got, marks, walls = [], [time.monotonic()], [time.time()]
    got.append(lock.acquire(timeout=5))
    marks.append(time.monotonic())
    got.append(time.sleep(100))
    marks.append(time.monotonic())
    got.append(event.wait(30))
    marks.append(time.monotonic())
    with cond:
        got.append(cond.wait(10))
    marks.append(time.monotonic())
    walls.append(time.time())
    return got, marks, walls
"""


BACKGROUND = """
import threading
import tokenize

threading.Thread(target=threading.Event().wait, name="idle-at-import").start()


class Box:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, item):
        with self.lock:
            self.items.append(item)
"""


def test_a_thread_left_waiting_by_learner_code_is_not_a_deadlock_of_the_scenario(tmp_path):
    path = learner(tmp_path, BACKGROUND)

    def scenario(module):
        box = module.Box()
        return Plan({"A": lambda: box.add(1), "B": lambda: box.add(2)},
                    lambda results, run: None if sorted(box.items) == [1, 2] else f"items {box.items}")

    started = time.perf_counter()
    never_fails(path, scenario, schedules=50)
    assert time.perf_counter() - started < 5


def test_timeouts_and_sleeps_cost_no_real_time(tmp_path):
    path = learner(tmp_path, TIMED_WAITS)
    results = {}

    def scenario(module):
        return Plan({"A": module.timed_waits}, lambda got, run: results.update(got))

    started = time.perf_counter()
    run = run_once(path, scenario)
    assert time.perf_counter() - started < 1.0
    assert run.kind == "ok", run.message
    got, marks, walls = results["A"]
    assert got == [False, None, False, False]
    assert [b - a for a, b in zip(marks, marks[1:])] == pytest.approx([5, 100, 30, 10])
    assert walls[1] - walls[0] == pytest.approx(145)


# --------------------------------------------------------------------------- no false alarm on correct code

CONDITION_BOUNDED_BUFFER = """
import threading
import tokenize


class Buffer:
    def __init__(self, capacity):
        self._items = []
        self._capacity = capacity
        self._changed = threading.Condition()

    def put(self, item):
        with self._changed:
            while len(self._items) >= self._capacity:
                self._changed.wait()
            self._items.append(item)
            self._changed.notify_all()

    def get(self):
        with self._changed:
            while not self._items:
                self._changed.wait()
            item = self._items.pop(0)
            self._changed.notify_all()
            return item
"""


def condition_bounded_buffer(module):
    buffer = module.Buffer(1)
    return Plan(
        {"P": lambda: [buffer.put(i) for i in range(3)], "C": lambda: [buffer.get() for _ in range(3)]},
        lambda results, run: None if results["C"] == [0, 1, 2] else f"got {results['C']}",
    )


SEMAPHORE_LIMITED_SECTION = """
import threading
import tokenize
import time


class Section:
    def __init__(self):
        self._slots = threading.Semaphore(2)
        self._lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def visit(self):
        with self._slots:
            with self._lock:
                self.inside += 1
                self.most = max(self.most, self.inside)
            time.sleep(1)  # stay inside while the others try to enter
            with self._lock:
                self.inside -= 1
"""


def semaphore_limited_section(module):
    section = module.Section()
    return Plan(
        {name: section.visit for name in "ABC"},
        lambda results, run: None if section.most <= 2 and section.inside == 0 else f"{section.most} inside",
    )


QUEUE_PRODUCER_CONSUMER = """
import queue


def produce(q, n):
    for i in range(n):
        q.put(i)
    q.put(None)


def consume(q):
    got = []
    while True:
        item = q.get()
        if item is None:
            return got
        got.append(item)
"""


def queue_producer_consumer(module):
    q = module.queue.Queue(maxsize=1)
    return Plan(
        {"P": lambda: module.produce(q, 3), "C": lambda: module.consume(q)},
        lambda results, run: None if results["C"] == [0, 1, 2] else f"got {results['C']}",
    )


BARRIER = """
import threading
import tokenize


class Phases:
    def __init__(self, parties):
        self.arrived = []
        self._barrier = threading.Barrier(parties)

    def step(self, name):
        self.arrived.append(name)
        self._barrier.wait()
        return len(self.arrived)
"""


def barrier(module):
    phases = module.Phases(3)
    return Plan(
        {name: (lambda name=name: phases.step(name)) for name in "ABC"},
        lambda results, run: None if set(results.values()) == {3} else f"saw {results}",
    )


RLOCK_REENTRY = """
import threading
import tokenize


class Account:
    def __init__(self):
        self.balance = 0
        self._lock = threading.RLock()

    def deposit(self, amount):
        with self._lock:
            self.balance += amount

    def deposit_twice(self, amount):
        with self._lock:
            self.deposit(amount)
            self.deposit(amount)
"""


def rlock_reentry(module):
    account = module.Account()
    return Plan(
        {"A": lambda: account.deposit_twice(1), "B": lambda: account.deposit_twice(10)},
        lambda results, run: None if account.balance == 22 else f"balance {account.balance}",
    )


LEARNER_STARTED_THREADS = """
import threading
import tokenize


class Tally:
    def __init__(self):
        self.total = 0
        self._lock = threading.Lock()

    def add(self, n):
        with self._lock:
            self.total += n


def add_in_threads(tally, amounts):
    workers = [threading.Thread(target=tally.add, args=(n,)) for n in amounts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return tally.total
"""


def learner_started_threads(module):
    tally = module.Tally()
    return Plan(
        {"A": lambda: module.add_in_threads(tally, [1, 2]), "B": lambda: module.add_in_threads(tally, [10, 20])},
        lambda results, run: None if tally.total == 33 and results["A"] in (3, 13, 23, 33) and results["B"] in (30, 31, 32, 33) else f"{results}",
    )


CONCURRENT_FUTURES_FUTURE = """
from concurrent.futures import Future


def deliver(future, value):
    future.set_result(value)


def collect(future):
    return future.result(timeout=5)
"""


def concurrent_futures_future(module):
    future = module.Future()
    return Plan(
        {"A": lambda: module.deliver(future, 42), "B": lambda: module.collect(future)},
        lambda results, run: None if results["B"] == 42 else f"got {results['B']}",
    )


#: Correct code: name -> (source, scenario).
CORRECT = {
    "condition-bounded-buffer": (CONDITION_BOUNDED_BUFFER, condition_bounded_buffer),
    "semaphore-limited-section": (SEMAPHORE_LIMITED_SECTION, semaphore_limited_section),
    "queue-producer-consumer": (QUEUE_PRODUCER_CONSUMER, queue_producer_consumer),
    "barrier": (BARRIER, barrier),
    "rlock-reentry": (RLOCK_REENTRY, rlock_reentry),
    "learner-started-threads": (LEARNER_STARTED_THREADS, learner_started_threads),
    "concurrent-futures-future": (CONCURRENT_FUTURES_FUTURE, concurrent_futures_future),
}


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_code_is_never_failed(tmp_path, name):
    source, scenario = CORRECT[name]
    path = learner(tmp_path, source)
    never_fails(path, scenario)
    assert run_once(path, scenario).steps > 0  # the threads really ran learner code


# --------------------------------------------------------------------------- robustness

REAL_LOCK = """
import _thread

stuck = _thread.allocate_lock()


def take_twice():
    stuck.acquire()
    stuck.acquire()
    return "never"
"""


def test_blocking_on_something_the_explorer_does_not_control_stops_without_a_verdict(tmp_path, monkeypatch):
    monkeypatch.setattr(explore, "STALL", 0.3)  # the default (2 s) works the same way, only slower
    path = learner(tmp_path, REAL_LOCK)
    modules = []

    def scenario(module):
        modules.append(module)
        return Plan({"A": module.take_twice})

    started = time.perf_counter()
    report = explore.explore(path, scenario)
    try:
        assert time.perf_counter() - started < explore.STALL + 2.0
        assert report.found is None
        assert "does not control" in report.stopped
    finally:
        for module in modules:
            if module.stuck.locked():
                module.stuck.release()


SPINNING = """
class Spinner:
    def __init__(self):
        self.turns = 0

    def spin_on_shared_state(self):
        while True:
            self.turns += 1

    def spin(self):
        while True:
            pass
"""


def spinning(method: str, idents: list[int], spinners: list | None = None):
    def scenario(module):
        spinner = module.Spinner()
        if spinners is not None:
            spinners.append(spinner)

        def run():
            idents.append(threading.get_ident())
            getattr(spinner, method)()

        return Plan({"A": run})

    return scenario


def test_a_thread_spinning_on_shared_state_stops_at_the_step_limit(tmp_path):
    path = learner(tmp_path, SPINNING)
    idents: list[int] = []
    started = time.perf_counter()
    report = explore.explore(path, spinning("spin_on_shared_state", idents), max_steps=300)
    assert time.perf_counter() - started < 1.5
    assert report.found is None
    assert report.stopped == "the threads took more than 300 steps without finishing"


def test_a_thread_stopped_at_the_step_limit_does_not_keep_running(tmp_path):
    # It cannot be unwound from inside a trace callback (raising there is not safe), so it is
    # parked for good: alive, idle, and a daemon.
    path = learner(tmp_path, SPINNING)
    idents: list[int] = []
    spinners: list = []
    explore.explore(path, spinning("spin_on_shared_state", idents, spinners), max_steps=300)
    turns = spinners[-1].turns
    time.sleep(0.2)
    assert spinners[-1].turns == turns
    assert all(t.daemon for t in threading.enumerate() if t.ident in idents)


def test_a_thread_spinning_without_touching_shared_state_stops_at_the_step_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(explore, "STALL", 0.3)  # keeps the failing case short
    path = learner(tmp_path, SPINNING)
    idents: list[int] = []
    report = explore.explore(path, spinning("spin", idents), max_steps=300)
    assert report.found is None
    assert report.stopped == "the threads took more than 300 steps without finishing"


RAISES = """
def lookup(table, key):
    return table[key]
"""


def test_an_exception_in_a_thread_is_reported_with_its_line(tmp_path):
    path = learner(tmp_path, RAISES)
    report = explore.explore(path, lambda module: Plan({"A": lambda: module.lookup({}, "missing"), "B": lambda: 1}))
    run = report.found
    assert run is not None and run.kind == "error" and isinstance(run.error, KeyError)
    line = line_of(path, "return table[key]")
    assert run.message == f"Thread A raised KeyError: 'missing' at line {line} `return table[key]`."


HOSTILE = """
import dataclasses
import threading
import tokenize


class Opaque:
    "A value every look at from outside fails on (as a dead weakref.proxy does)."

    @property
    def __class__(self):
        raise RuntimeError("no __class__")

    def __repr__(self):
        raise RuntimeError("no repr")

    def __eq__(self, other):
        raise RuntimeError("no ==")

    __hash__ = None


class Hidden:
    "Its __dict__ cannot be read from outside; its attributes still work."

    @property
    def __dict__(self):
        raise RuntimeError("no __dict__")

    def __init__(self):
        self.count = 0


class HostileCounter:
    def __init__(self):
        self.value = 0
        self.box = Opaque()
        self.hidden = Hidden()
        self._lock = threading.Lock()

    def increment(self):
        with self._lock:
            self.box = Opaque()
            box = self.box
            self.hidden.count += 1
            self.value += 1
        return box


@dataclasses.dataclass(frozen=True)
class Settings:
    box: object

    def change(self):
        self.box = 1
"""


def test_learner_objects_that_raise_when_inspected_break_nothing(tmp_path, monkeypatch):
    path = learner(tmp_path, HOSTILE)
    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    never_fails(path, twice_each("HostileCounter"), schedules=100)
    notes = [note for step in run_once(path, twice_each("HostileCounter")).trace for note in step.notes]
    assert "writes value = 1" in notes and "writes value = 4" in notes  # the rest of the trace is intact
    assert errors == []


def test_a_failed_store_over_an_uninspectable_value_is_reported_as_its_error(tmp_path, monkeypatch):
    monkeypatch.setattr(explore, "STALL", 0.3)  # keeps the failing case short
    path = learner(tmp_path, HOSTILE)
    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    report = explore.explore(path, lambda module: Plan({"A": module.Settings(module.Opaque()).change}))
    assert errors == []
    assert report.found is not None and report.found.kind == "error", report.stopped
    assert type(report.found.error).__name__ == "FrozenInstanceError"


# --------------------------------------------------------------------------- switch points stay in the learner's file

CALLS_BACK = """
def once(box):
    box.value += 1


def call(function):
    return function()
"""


def test_code_outside_the_learner_file_adds_no_steps(tmp_path):
    path = learner(tmp_path, CALLS_BACK)

    class Box:
        value = 0

    def busy():
        box = Box()
        for _ in range(5000):
            box.value += 1
        return sorted(range(1000), key=lambda n: -n)[0]

    def plain(module):
        box = Box()
        return Plan({"A": lambda: module.once(box), "B": lambda: module.call(lambda: 0)})

    def with_loops(module):
        box = Box()

        def a():
            busy()  # a long loop in the test's own code, before and after the learner's call
            module.once(box)
            return busy()

        return Plan({"A": a, "B": lambda: module.call(busy)})  # and inside a callback the learner calls

    quiet, loud = run_once(path, plain), run_once(path, with_loops)
    assert quiet.kind == loud.kind == "ok"
    assert 0 < loud.steps == quiet.steps
    lines = path.read_text().splitlines()
    assert all(0 < step.line <= len(lines) for step in loud.trace)


# --------------------------------------------------------------------------- what the learner reads


def test_render_shows_one_column_per_thread_with_lines_and_values(tmp_path):
    path = learner(tmp_path, COUNTERS)
    report = explore.explore(path, twice_each("Counter"))
    run = report.found
    shown = explore.render(run)
    header, rule, *rows = shown.splitlines()
    columns = {name: header.index(f"thread {name}") for name in ("A", "B")}
    assert min(columns.values()) == 2 and len(rule.split()) == 2
    line = line_of(path, "self.value += 1")
    steps = [row for row in rows if re.match(r"\s*\d+  ", row)]
    assert steps and all(row.strip() == f"{line}  self.value += 1" for row in steps)
    # Every step starts in one of the two columns; each thread's steps in its own column.
    starts = {len(row) - len(row.lstrip()) - (3 - len(str(line))) for row in steps}
    assert starts == set(columns.values())
    assert re.search(r"reads value = \d+", shown) and re.search(r"writes value = \d+", shown)
    for row in rows:
        if "reads value" in row or "writes value" in row:
            assert len(row) - len(row.lstrip()) - 7 in columns.values()


def test_describe_ends_with_the_replay_command_naming_the_seed(tmp_path):
    path = learner(tmp_path, COUNTERS)
    report = explore.explore(path, twice_each("Counter"))
    seed = report.found.seed
    text = explore.describe(report, "nox -s check-06 -- -k test_x --replay {seed}")
    assert text.startswith(report.found.message + "\n")
    assert explore.render(report.found) in text
    assert f"seed {seed}, found on schedule {report.schedules} of at most {explore.SCHEDULES}" in text
    assert text.splitlines()[-1] == f"Replay exactly this interleaving: nox -s check-06 -- -k test_x --replay {seed}"
    replayed = explore.describe(explore.explore(path, twice_each("Counter"), replay=seed), "r {seed}")
    assert f"seed {seed}, replayed" in replayed and replayed.splitlines()[-1].endswith(f"r {seed}")


# --------------------------------------------------------------------------- instructions and instrumentation


def test_instructions_are_classified_by_what_they_do_on_this_python(tmp_path):
    """An attribute read and write and an item read and write are switch points, a call and the
    load of a builtin are not, the writes are where preemptions are drawn from, and the loads of
    ``self`` and ``items`` are known as variable loads (which is how the trace finds the value
    read) — whatever names this version gives those instructions (3.14: LOAD_FAST_BORROW,
    subscripts as BINARY_OP)."""
    path = learner(tmp_path, """
        def work(self, items, i):
            self.total = self.total + items[i]
            items[i] = len(items)
    """)
    program = explore.Program(path)
    code = next(code for code in program.codes if code.co_name == "work")
    infos = program.instructions[code]
    attr_reads = [i for i in infos if i.opname == "LOAD_ATTR" and i.argval == "total"]
    attr_writes = [i for i in infos if i.opname == "STORE_ATTR" and i.argval == "total"]
    assert attr_reads and all(i.shared and not i.writes for i in attr_reads)
    assert attr_writes and all(i.shared and i.writes for i in attr_writes)
    assert sum(i.shared and i.writes for i in infos) == 2, "the attribute store and the item store, nothing else"
    loads = {name for i in infos if i.loads for name in (i.argval if isinstance(i.argval, tuple) else (i.argval,))}
    assert {"self", "items", "i"} <= loads
    assert any(i.loads == "globals" and i.argval == "len" for i in infos)
    # The item read (BINARY_SUBSCR before 3.14, BINARY_OP [] since) is a switch point: between the
    # attribute read and its write there are at least that and the read itself.
    first, last = infos.index(attr_reads[0]), infos.index(attr_writes[0])
    assert sum(i.shared for i in infos[first:last]) >= 2
    calls = [i for i in infos if i.opname.startswith(("CALL", "PRECALL")) or i.argval == "len"]
    assert calls and not any(i.shared for i in calls), "len() touches no shared state"
    assert all(i.site is not None for i in infos if i.shared) and len({i.site for i in infos if i.shared}) == sum(i.shared for i in infos)


def test_only_the_instrument_module_registers_trace_or_monitoring_callbacks():
    """Forced preemption, the explorer and the runaway guard all go through kata/harness/instrument.py."""
    hooks = re.compile(r"\bsettrace\(|sys\.monitoring|register_callback|set_local_events|f_trace_opcodes\s*=")
    offenders = []
    for folder in ("kata", "tests", "grader"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "kata" / "harness" / "instrument.py":
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            # Code only: a string or a comment may name a hook (the grader's screen lists them).
            code: dict[int, str] = {}
            for token in tokenize.generate_tokens(io.StringIO(source).readline):
                if token.type not in (tokenize.STRING, tokenize.COMMENT) and not getattr(tokenize, "FSTRING_MIDDLE", None) == token.type:
                    code[token.start[0]] = code.get(token.start[0], "") + token.string
            for number, text in sorted(code.items()):
                if hooks.search(text):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {lines[number - 1].strip()}")
    assert offenders == [], "\n".join(offenders)


def test_the_thread_hook_sees_only_its_own_thread_and_nests(tmp_path):
    from kata.harness import instrument

    path = learner(tmp_path, """
        def spin(n):
            total = 0
            for i in range(n):
                total += i
            return total
    """)
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    spin = namespace["spin"]
    mine: list[int] = []
    inner: list[int] = []
    with instrument.this_thread(str(path), lambda frame: mine.append(threading.get_ident())):
        other = threading.Thread(target=spin, args=(200,))
        other.start()
        other.join()
        spin(50)
        with instrument.this_thread(str(path), lambda frame: inner.append(frame.f_lineno)):
            spin(50)
        before = len(mine)
        spin(50)
    assert mine and set(mine) == {threading.get_ident()}, "steps of another thread were counted"
    assert inner, "the inner hook saw nothing"
    assert len(mine) > before, "the outer hook did not come back after the inner block"
    after = len(mine)
    spin(50)
    assert len(mine) == after, "the hook still ran after its block ended"


# --------------------------------------------------------------------------- replays that survive an added print


def kata_scenario(number: str, check: str):
    """The exercise's registered scenario that makes the check named ``check``."""
    from kata import catalogue
    from kata.maint import explorebench

    exercise = catalogue.find(number)
    scenarios, _ = explorebench.scenarios_of(exercise)
    return exercise, next(s for s in scenarios if s.check == check)


@pytest.mark.parametrize(("number", "mutant", "check"), [
    ("06", "no_lock", "test_explorer_finds_no_lost_update"),
    ("11", "deposit_after_release", "test_explorer_finds_opposite_transfers_do_not_deadlock"),
])
def test_every_failing_seed_fails_the_same_way_after_a_print_is_added(number, mutant, check):
    """The README's promise: add a print to the method under test, replay the seed, see the same
    interleaving. (``nox -s explore-bench -- --survival 100`` measures it for every mutant.)"""
    from kata.maint import explorebench

    exercise, scenario = kata_scenario(number, check)
    tally = explorebench.survival_of(next(m for m in exercise.mutants() if m.stem == mutant), scenario, seeds=25)
    assert tally["same"] >= 2 and set(tally) == {"same"}, tally


ADDED_ELSEWHERE = """
import threading
import tokenize


class Counter:
    '''One counter.'''

    def __init__(self):
        self.value = 0

    def increment(self):
        print("incrementing")  # an added line, its comment, and a blank line below

        self.value += 1
"""


def test_prints_comments_and_blank_lines_are_no_switch_points_and_move_none(tmp_path):
    plain, edited = learner(tmp_path, COUNTERS, "plain"), learner(tmp_path, ADDED_ELSEWHERE, "edited")
    runs = [explore.explore(path, twice_each("Counter")) for path in (plain, edited)]
    assert runs[0].found is not None and runs[1].found is not None
    assert runs[0].found.seed == runs[1].found.seed
    sites = [{site for site, _ in run.found.points} for run in runs]
    assert sites[0] == sites[1], "an added print, comment or blank line adds no switch point and renames none"
    program = explore.Program(edited)
    code = next(code for code in program.codes if code.co_name == "increment")
    calls = [i for i in program.instructions[code] if i.argval == "print" or i.opname.startswith(("CALL", "PRECALL"))]
    assert calls and not any(i.shared for i in calls)


# --------------------------------------------------------------------------- traces that cut nothing


THREE_WAITERS = """
import threading
import tokenize

a_lock_with_a_rather_long_name_for_the_column = threading.Lock()


class Account:
    def __init__(self):
        self.balance_of_the_account_in_whole_units = 100


def withdraw_everything_there_is_in_the_account_after_a_long_look(account):
    with a_lock_with_a_rather_long_name_for_the_column:
        if account.balance_of_the_account_in_whole_units >= 100:
            account.balance_of_the_account_in_whole_units = account.balance_of_the_account_in_whole_units - 200
"""


def test_a_trace_of_three_threads_fits_in_100_columns_and_cuts_no_value_or_name(tmp_path):
    path = learner(tmp_path, THREE_WAITERS)

    def scenario(module):
        account = module.Account()
        work = lambda: module.withdraw_everything_there_is_in_the_account_after_a_long_look(account)  # noqa: E731
        return Plan({"A": work, "B": work, "C": work}, lambda results, run: "always shown")

    def waited(seed):
        report = explore.explore(path, scenario, replay=seed)
        return report if any("(held by thread" in note for step in report.found.trace for note in step.notes) else None

    report = next(report for report in map(waited, range(40)) if report is not None)
    shown = explore.render(report.found)
    rows = shown.splitlines()
    assert all(len(row) <= 100 for row in rows), "\n".join(r for r in rows if len(r) > 100)
    sources = [row for row in rows if re.match(r"\s*\d+  \S", row)]
    assert any(row.endswith("…") for row in sources), "the long source lines are shortened"
    unbroken = re.sub(r"\s+", "", "".join(row for row in rows if row not in sources))
    for note in (note for step in report.found.trace for note in step.notes):
        assert re.sub(r"\s+", "", note) in unbroken, (note, shown)  # wrapped, every character kept
    assert "…" not in unbroken
    notes = [note for step in report.found.trace for note in step.notes]
    assert any("(held by thread" in note for note in notes) and any(note.endswith("= -100") for note in notes)


# --------------------------------------------------------------------------- stories told by what the trace shows


def found_by(number: str, check: str, path: Path) -> explore.Execution:
    _, scenario = kata_scenario(number, check)
    report = explore.explore(path, scenario.plan(), budget=1e9)
    assert report.found is not None, (path, check)
    return report.found


def a_variant(tmp_path: Path, number: str, old: str, new: str) -> Path:
    """The reference solution of exercise ``number`` with ``old`` replaced by ``new`` (a learner's attempt)."""
    from kata import catalogue

    exercise = catalogue.find(number)
    source = exercise.solution_file.read_text()
    assert old in source
    path = tmp_path / exercise.solution_file.name
    path.write_text(source.replace(old, new, 1))
    return path


def mutant(number: str, stem: str) -> Path:
    from kata import catalogue

    return next(m for m in catalogue.find(number).mutants() if m.stem == stem)


SAME_MONEY = "test_explorer_finds_two_transfers_cannot_both_spend_the_same_money"


def test_a_check_then_act_overdraw_is_not_called_a_lost_update():
    run = found_by("11", SAME_MONEY, mutant("11", "balance_checked_outside_the_lock"))
    assert run.lost_update("balance") is None, "each write read the one before it: nothing was thrown away"
    assert "threw away" not in run.message and "Both transfers read 100 before either took it" in run.message, run.message
    lost = found_by("11", "test_explorer_finds_opposite_transfers_do_not_deadlock", mutant("11", "deposit_after_release"))
    assert "so the later write threw away the other thread's update" in lost.message, lost.message


def test_a_transfer_refused_without_raising_is_not_said_to_have_gone_through(tmp_path):
    path = a_variant(tmp_path, "11", "raise InsufficientFunds(", "return print(")
    run = found_by("11", SAME_MONEY, path)
    assert "both returned without raising, and only one moved the money" in run.message, run.message
    assert "went through, leaving" not in run.message and "must raise InsufficientFunds" in run.message


def test_a_key_error_is_told_as_observed_and_shown_in_the_trace(tmp_path):
    # Code that already waits on one Event per key; a waiter looks the key up again after its
    # computation failed and was forgotten.
    path = a_variant(tmp_path, "16", "        entry.done.wait()\n", "        entry.done.wait()\n        entry = self._entries[key]\n")
    _, scenario = kata_scenario("16", "test_explorer_finds_a_failure_reaches_every_waiter_and_is_forgotten")
    runs = (explore.explore(path, scenario.plan(), replay=seed).found for seed in range(50))
    run = next(run for run in runs if run is not None and run.kind == "error")
    assert isinstance(run.error, KeyError), run.message
    assert "Event per key" not in run.message and "notify" not in run.message, run.message
    assert "Only flaky's own BackendDown may come out of memo('k')" in run.message
    assert run.end is not None and any(note.startswith("raises KeyError") for note in run.trace[run.end].notes)
    assert "raises KeyError" in explore.render(run)


def test_deadlock_stories_follow_what_the_threads_wait_for():
    crossed = found_by("11", "test_explorer_finds_opposite_transfers_do_not_deadlock", mutant("11", "locks_in_argument_order"))
    assert crossed.kind == "deadlock" and crossed.cycle and "each took one account's lock" in crossed.message
    hang = found_by("16", "test_explorer_finds_a_failure_reaches_every_waiter_and_is_forgotten", mutant("16", "failed_waiters_hang"))
    assert hang.kind == "deadlock" and not hang.cycle and "Event per key" not in hang.message, hang.message
    woken = found_by("09", "test_explorer_finds_every_item_delivered_exactly_once", mutant("09", "notify_in_close"))
    if woken.kind == "deadlock":
        assert "went on to take an item that was not there" not in woken.message, woken.message
        assert "for a notify that will not come" in woken.message, woken.message


# --------------------------------------------------------------------------- the replay command a failure prints


def replay_line(tmp_path: Path, *options: str) -> str:
    """The replay command ex06's first explorer check prints for the no_lock mutant, run with ``options``."""
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "ex06_atomic_counter.py").write_text(mutant("06", "no_lock").read_text())
    node = "tests/test_ex06_atomic_counter.py::test_explorer_finds_no_lost_update"
    child = subprocess.run([sys.executable, "-m", "pytest", node, "-q", "-p", "no:cacheprovider", "--target", str(folder), *options],
                           cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    # One command; pytest may print the message twice (where CI is set its short summary is not cut).
    lines = {line for line in child.stdout.splitlines() if line.startswith("Replay exactly this interleaving: ")}
    assert len(lines) == 1, child.stdout[-2000:]
    return lines.pop().removeprefix("Replay exactly this interleaving: ")


@pytest.mark.tooling
def test_the_replay_command_names_one_check_and_works_in_the_learners_copy(tmp_path):
    node = "tests/test_ex06_atomic_counter.py::test_explorer_finds_no_lost_update"
    graded = replay_line(tmp_path, "-p", "kata.runner.report_plugin")
    assert re.fullmatch(rf"nox -s check-06 -- {re.escape(node)} --replay \d+", graded), graded  # the grader's folder left out
    own = replay_line(tmp_path)
    assert own.startswith(f"nox -s check-06 -- {node} --target ") and "--replay" in own, own  # the learner's own --target kept
