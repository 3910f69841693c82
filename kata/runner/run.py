"""Run one exercise's checks against one target folder in a child process, and read the outcome.

The child runs on a scratch copy of the checks (:mod:`kata.runner.files`), apart from us (its own
process group where there are groups, :mod:`kata.runner.processes`), under a wall-clock limit and
optional CPU, memory and file-size limits (:mod:`kata.runner.sandbox`); at the end it is killed
with everything it started, so a hung, spinning or thread-leaking target costs only its own run.
Results come back as :mod:`kata.runner.protocol` records over a pipe that the child inherits (not
a file, not its output) — or, where a child cannot inherit a pipe, through a file in a private
temporary folder — and only a capped head and tail of the child's output are kept, however much
the target prints.

With ``isolate=True`` (the grader's runs) and the grader running as root, the child also gets a
uid of its own per job slot, a mount namespace where the system allows one, a process limit and a
total-disk limit (:mod:`kata.runner.isolation`); every process of that uid is killed after the run.
"""

from __future__ import annotations

import atexit
import os
import queue
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from kata import catalogue, settings
from kata.messages import Status
from kata.runner import forkserver, isolation, processes
from kata.runner.files import PUBLIC, check_files, copy_checks, remove_tree
from kata.runner.protocol import NONCE_ENV, CheckReport, Reader
from kata.runner.rounds import check_name, round_of
from kata.settings import REPORT_FD_ENV

OUTPUT_HEAD = 4_000
OUTPUT_TAIL = 16_000
REPORT_LIMIT = 8_000_000


@dataclass(frozen=True)
class Limits:
    """Resource limits for one child run (None: no limit)."""

    cpu_seconds: int | None = None
    memory_bytes: int | None = None
    file_bytes: int | None = None

    def args(self) -> list[str]:
        return [f"{name}={value}" for name, value in (("cpu", self.cpu_seconds), ("mem", self.memory_bytes), ("fsize", self.file_bytes)) if value]


@dataclass
class Run:
    """What one child run of the checks reported."""

    collected: list[str] = field(default_factory=list)
    tests: dict[str, CheckReport] = field(default_factory=dict)
    collect_errors: list[str] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
    tampered: str = ""  # why the report cannot be trusted, if it cannot
    flags: list[str] = field(default_factory=list)  # the report's tripwire findings (protocol.Reader)
    seconds: float = 0.0
    output: str = ""

    def failures_by_round(self, rounds: int) -> dict[int, list[str]]:
        """For each round, the checks that did not pass (a check never reported counts as failed)."""
        failing: dict[int, list[str]] = {r: [] for r in range(rounds)}
        for nodeid in self.collected or list(self.tests):
            record = self.tests.get(nodeid)
            if record is None or record.outcome not in (Status.PASSED, Status.SKIPPED):
                failing[round_of(nodeid)].append(check_name(nodeid))
        if self.collect_errors or not self.collected:
            for names in failing.values():
                names.append("collection")
        return failing


def run_checks(
    exercise: catalogue.Exercise | list[tuple[catalogue.Exercise, str]],
    target: Path,
    *,
    rounds: int = 1,
    timeout: float = 120.0,
    python: str = sys.executable,
    which: str = PUBLIC,
    limits: Limits | None = None,
    extra_args: tuple[str, ...] = (),
    checks_from: Path | None = None,
    isolate: bool = False,
    forked: bool | None = None,
    stop_round_at_first_failure: bool = False,
) -> Run:
    """Run ``exercise``'s checks on the module in ``target`` in a child interpreter.

    ``which`` picks the public checks, the hidden ones or all. Only the chosen check files are
    copied into the run's folder, so a public run cannot read the hidden checks. ``checks_from``
    is a :func:`~kata.runner.files.snapshot` to copy them from (the live kata when None).
    ``isolate`` asks for the OS isolation of :mod:`kata.runner.isolation` where it is available:
    then the target folder's files are copied into the run's own folder too. ``forked`` (default:
    as ``isolate``) forks the run from a warm :mod:`~kata.runner.forkserver` where the system
    allows, instead of starting two interpreters; the limits and the jail are the same.
    ``stop_round_at_first_failure`` skips the rest of a round once one of its checks has failed
    (:mod:`~kata.runner.report_plugin`): for a target that must fail once a round, never for one
    that must pass every check. ``exercise`` may also be a list of (exercise, which) pairs, all run at once (``which`` unused).
    """
    forked = (isolate if forked is None else forked) and forkserver.available() and processes.can_pass_fds()
    jailed = isolate and isolation.mode()[0]
    slot = _SLOTS.take() if jailed or forked else None
    scratch = tempfile.mkdtemp(prefix="threadkata-")
    try:  # not TemporaryDirectory: its clean-up recurses, and learner code writes in this folder
        checks = Path(scratch) / "checks"
        pairs = exercise if isinstance(exercise, list) else [(exercise, which)]
        test_files = [path for one, part in pairs for path in copy_checks(checks, one, part, source=checks_from)]
        if not test_files:
            return Run(returncode=0)
        jail = _jail(Path(scratch), slot) if jailed else None
        if jail is not None:
            target = _copy_target(Path(target), Path(scratch) / "target")
            isolation.prepare(Path(scratch), jail)
        pytest_args = [
            *map(str, test_files), "-q",
            "-p", "kata.runner.report_plugin", "--target", str(Path(target).resolve()), "--rounds", str(rounds),
            *(["--hidden"] if any(part != PUBLIC for _, part in pairs) else []),
            *(["--stop-round-at-first-failure"] if stop_round_at_first_failure else []), *extra_args,
        ]  # fmt: skip
        shut_in = [*(limits.args() if limits else []), *(jail.args() if jail else [])]
        env = dict(os.environ)
        env.pop(catalogue.TARGET_ENV, None)
        env["PYTHONPATH"] = str(checks)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env[NONCE_ENV] = secrets.token_hex(16)  # seals this run's report (kata.runner.protocol)
        if forked:
            report = _PipeReport(env)
            server = _server(slot, python)  # type: ignore[arg-type]
            request = {"args": pytest_args, "cwd": str(checks), "env": env, "settings": dict(a.split("=", 1) for a in shut_in), "report_env": REPORT_FD_ENV}
            return _run(lambda: server.start(request, report.write_end), timeout, report, env[NONCE_ENV], jail)
        command = [python, "-m", "pytest", *pytest_args]
        if shut_in:
            command = [python, "-m", "kata.runner.sandbox", *shut_in, "--", *command]
        if processes.can_pass_fds():
            report = _PipeReport(env)
        else:
            private = Path(scratch) / "report"
            private.mkdir(mode=0o700)
            report = _FileReport(private / "report.jsonl", command)
        return _run(lambda: _spawn(command, checks, env, report), timeout, report, env[NONCE_ENV], jail)
    finally:
        if jailed:
            isolation.kill_all(isolation.slot_uid(slot))  # type: ignore[arg-type] - an escapee that left the process group too
            isolation.clean_shared(isolation.slot_uid(slot))  # type: ignore[arg-type]
        if slot is not None:
            _SLOTS.give_back(slot)
        remove_tree(scratch)


def _spawn(command: list[str], cwd: Path, env: dict[str, str], report: _PipeReport | _FileReport) -> tuple[subprocess.Popen, int]:
    """Start ``command`` as a new interpreter; returns it and the read end of its output, which the caller owns."""
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, **processes.isolation(), **report.popen_args(),
    )  # fmt: skip
    stdout = os.dup(child.stdout.fileno())  # type: ignore[union-attr] - the drain owns its copy and closes it when the pipe ends
    child.stdout.close()  # type: ignore[union-attr]
    return child, stdout


_servers: dict[tuple, forkserver.Server] = {}


@atexit.register
def _close_servers() -> None:
    """End every server (closing its socket) and wait for it, so its runs' CPU time is counted as ours."""
    for server in list(_servers.values()):
        server.close()
    _servers.clear()


_starting: dict[tuple, threading.Lock] = {}  # one lock per server: a run waits for the start under way
_starting_lock = threading.Lock()


def _server(slot: int, python: str) -> forkserver.Server:
    """The slot's warm server for this interpreter and time scale, started on first use.

    It imports the harness from this kata, before any learner code runs; each run then imports
    whatever else it needs from its own copy of the checks.
    """
    key = (slot, python, os.environ.get(settings.TIME_SCALE_ENV, ""))
    with _starting_lock:
        lock = _starting.setdefault(key, threading.Lock())
    with lock:
        server = _servers.get(key)
        if server is None or not server.alive():
            server = _servers[key] = forkserver.Server(python, catalogue.ROOT, launch=_LAUNCHER.launch)
        return server


class _Launcher:
    """Starts processes from one thread that lives as long as the grader (started on first use).

    A server asks to be killed when the thread that started it ends (``PR_SET_PDEATHSIG`` follows
    the thread, not the process), so a server started by a pool's worker, or by :func:`warm_up`'s
    thread, would die with it. Only the start happens here; waiting for the server to be ready
    stays with the caller, so servers still start side by side.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: queue.SimpleQueue = queue.SimpleQueue()
        self.thread: threading.Thread | None = None

    def launch(self, start: Callable[[], subprocess.Popen]) -> subprocess.Popen:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._serve, name="threadkata-launcher", daemon=True)
                self.thread.start()
        done: Future = Future()
        self.requests.put((start, done))
        return done.result()

    def _serve(self) -> None:
        while True:
            start, done = self.requests.get()
            try:
                done.set_result(start())
            except BaseException as why:  # noqa: BLE001 - handed to the caller, who raises it
                done.set_exception(why)


_LAUNCHER = _Launcher()


def warm_up(jobs: int, python: str = sys.executable, isolate: bool = True) -> None:
    """Start, in the background, what the first runs of ``jobs`` job slots would each wait for:
    one server per slot (where runs are forked) and the look at what isolation this system allows.

    Nothing waits for it: a run that needs a server still starting waits for that one only, and a
    server that could not start is started again (and its failure reported) by the run that needs it.
    """

    def start(slot: int) -> None:
        try:
            _server(slot, python)
        except Exception:  # noqa: BLE001 - the run that needs it tries again and says why
            pass

    tasks: list[Callable[[], object]] = []
    if isolate:
        tasks.append(isolation.mode)
    if forkserver.available() and processes.can_pass_fds():
        tasks += [lambda slot=slot: start(slot) for slot in range(max(1, jobs))]
    for task in tasks:
        threading.Thread(target=task, daemon=True).start()


class _Slots:
    """Job slot numbers, the lowest free one first: a slot's uid runs one child at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.taken: set[int] = set()

    def take(self) -> int:
        with self.lock:
            slot = next(n for n in range(len(self.taken) + 1) if n not in self.taken)
            self.taken.add(slot)
            return slot

    def give_back(self, slot: int) -> None:
        with self.lock:
            self.taken.discard(slot)


_SLOTS = _Slots()


def _jail(scratch: Path, slot: int) -> isolation.Jail:
    _, namespace = isolation.mode()
    return isolation.Jail(
        isolation.slot_uid(slot), str(scratch / "work"), settings.GRADER_NPROC, settings.GRADER_DISK_BYTES, namespace, str(catalogue.ROOT.resolve())
    )


def _copy_target(source: Path, destination: Path) -> Path:
    """The regular files directly in ``source`` (the staged exercise file), copied where the run's uid can read them."""
    destination.mkdir()
    for path in source.iterdir():
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, destination / path.name)
    return destination


#: Seconds between two looks at the size of an isolated run's folder, where no tmpfs bounds it.
DISK_WATCH_SECONDS = 0.2
#: What the output says when a run was stopped for filling its folder.
DISK_FULL = "\n[threadkata: the run wrote more than {limit} bytes in its folder and was stopped]\n"


def _run(start: Callable[[], tuple[Any, int]], timeout: float, report: _PipeReport | _FileReport, nonce: str, jail: isolation.Jail | None = None) -> Run:
    """Start the child with ``start`` (which returns it and its output's read end), drain, wait, end it with its group."""
    run = Run()
    started = time.monotonic()
    try:
        child, stdout = start()
    finally:
        report.started()
    output = _Drain(stdout, OUTPUT_HEAD + OUTPUT_TAIL, keep_tail=OUTPUT_TAIL)
    watched = jail is not None and not jail.namespace  # in a namespace, its tmpfs bounds the disk
    disk_full = False
    try:
        while True:
            try:
                run.returncode = child.wait(min(DISK_WATCH_SECONDS, max(0.0, started + timeout - time.monotonic())) if watched else timeout)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= started + timeout:
                    run.timed_out = True
                    break
                if isolation.folder_bytes(jail.work) > jail.disk:  # type: ignore[union-attr]
                    disk_full = True
                    break
    finally:
        processes.end(child)
        child.wait()
    run.seconds = time.monotonic() - started
    run.output = output.text(wait=2.0) + (DISK_FULL.format(limit=jail.disk) if disk_full else "")  # type: ignore[union-attr]
    _read_report(report.text(), run, nonce)
    return run


class _PipeReport:
    """The report over a pipe the child inherits by number (named in ``$THREADKATA_REPORT_FD``)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.read_end, self.write_end = os.pipe()
        env[REPORT_FD_ENV] = str(self.write_end)

    def popen_args(self) -> dict:
        return {"pass_fds": (self.write_end,)}

    def started(self) -> None:
        os.close(self.write_end)
        self.drain = _Drain(self.read_end, REPORT_LIMIT)

    def text(self) -> str:
        return self.drain.text(wait=2.0)  # the drain closes the read end itself, once the pipe ends


class _FileReport:
    """The report through ``--kata-report PATH``, a file in a folder only we (and the child) know of."""

    def __init__(self, path: Path, command: list[str]) -> None:
        self.path = path
        command += ["--kata-report", str(path)]

    def popen_args(self) -> dict:
        return {}

    def started(self) -> None:
        pass

    def text(self) -> str:
        try:
            with open(self.path, "rb") as stream:
                return stream.read(REPORT_LIMIT).decode("utf-8", "replace")
        except OSError:
            return ""  # the child ended before its plugin opened the file


class _Drain:
    """Read a pipe to its end in the background, keeping at most ``limit`` bytes (head and tail).

    The drain owns ``fd``: its thread closes it when the pipe ends, never before, so a descriptor
    an escaped grandchild keeps open is never closed under the reader and reused by another run.
    """

    def __init__(self, fd: int, limit: int, keep_tail: int = 0) -> None:
        self.fd, self.limit, self.keep_tail = fd, limit, keep_tail
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            self._read_all()
        finally:
            os.close(self.fd)

    def _read_all(self) -> None:
        head_limit = self.limit - self.keep_tail
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self._keep(chunk, head_limit)

    def _keep(self, chunk: bytes, head_limit: int) -> None:
        room = max(0, head_limit - len(self.head))
        self.head += chunk[:room]
        rest = chunk[room:]
        if not rest:
            return
        if not self.keep_tail:
            self.dropped += len(rest)
            return
        self.tail += rest
        if len(self.tail) > self.keep_tail:
            self.dropped += len(self.tail) - self.keep_tail
            del self.tail[: len(self.tail) - self.keep_tail]

    def text(self, wait: float) -> str:
        """What was read; waits a little for the pipe to close (an escaped grandchild may hold it open)."""
        self.thread.join(wait)
        with self.lock:
            head, tail, dropped = bytes(self.head), bytes(self.tail), self.dropped
        middle = f"\n[… {dropped} bytes of output cut …]\n" if dropped and self.keep_tail else ""
        return head.decode("utf-8", "replace") + middle + tail.decode("utf-8", "replace")


def _read_report(text: str, run: Run, nonce: str) -> None:
    """Read the sealed records (:class:`~kata.runner.protocol.Reader`): a record without the run's
    secret, a gap or repeat in their numbers, a check reported twice or a canary that passed means
    someone else wrote too. A line that is not a well-formed record is skipped."""
    report = Reader(nonce).read(text).finish(run.returncode, run.timed_out)
    run.collected, run.tests, run.collect_errors = report.collected, report.tests, report.collect_errors
    run.tampered, run.flags = report.tampered, report.flags


_expected: dict[tuple[catalogue.Exercise, str], tuple[str, ...]] = {}


def collect_expected(exercises: list[catalogue.Exercise], parts: list[str]) -> None:
    """Collect the check ids of every (exercise, part) in one run, for :func:`expected_checks` to answer from.

    Where that one run does not collect cleanly, nothing is kept: each exercise is then
    collected on its own when asked, so one broken check file is reported as before.
    """
    pairs = [(e, part) for e in exercises for part in parts if (e, part) not in _expected and check_files(e, part)]
    if not pairs:
        return
    with tempfile.TemporaryDirectory(prefix="threadkata-collect-") as empty:
        run = run_checks(pairs, Path(empty), extra_args=("--collect-only", "--continue-on-collection-errors"), timeout=120, forked=True)
    if run.collect_errors or not run.collected or run.returncode != 0:
        return
    for exercise, part in pairs:
        prefixes = tuple(f"{path.relative_to(catalogue.ROOT).as_posix()}::" for path in check_files(exercise, part))
        _expected[(exercise, part)] = tuple(n for n in run.collected if n.startswith(prefixes))


@lru_cache(maxsize=None)
def expected_checks(exercise: catalogue.Exercise, which: str) -> tuple[str, ...]:
    """The check ids of an exercise, collected without any learner code (nothing to forge)."""
    if (exercise, which) in _expected:
        return _expected[(exercise, which)]
    with tempfile.TemporaryDirectory(prefix="threadkata-collect-") as empty:
        run = run_checks(exercise, Path(empty), which=which, extra_args=("--collect-only",), timeout=120, forked=True)
    return tuple(run.collected)
