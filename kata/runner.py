"""Run one exercise's checks against one target folder in a child process, and read the outcome.

The child runs on a scratch copy of the checks, as its own process group, under a wall-clock
limit and optional CPU, memory and file-size limits; at the end the whole group is killed, so a
hung, spinning or thread-leaking target costs only its own run. Results come back over a pipe
that the child inherits (not a file, not its output), and only a capped head and tail of the
child's output are kept, however much the target prints.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kata import catalogue

OUTPUT_HEAD = 4_000
OUTPUT_TAIL = 16_000
REPORT_LIMIT = 8_000_000
#: Environment variable naming the pipe the report plugin writes to.
REPORT_FD_ENV = "KATA_REPORT_FD"


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
    tests: dict[str, dict] = field(default_factory=dict)
    collect_errors: list[str] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
    tampered: str = ""  # why the report cannot be trusted, if it cannot
    seconds: float = 0.0
    output: str = ""

    def failures_by_round(self, rounds: int) -> dict[int, list[str]]:
        """For each round, the checks that did not pass (a check never reported counts as failed)."""
        failing: dict[int, list[str]] = {r: [] for r in range(rounds)}
        for nodeid in self.collected or list(self.tests):
            record = self.tests.get(nodeid)
            if record is None or record["outcome"] not in ("passed", "skipped"):
                failing[round_of(nodeid)].append(check_name(nodeid))
        if self.collect_errors or not self.collected:
            for names in failing.values():
                names.append("collection")
        return failing


def round_of(nodeid: str) -> int:
    marker = "round"
    if nodeid.endswith("]") and marker in nodeid:
        return int(nodeid[nodeid.rindex(marker) + len(marker) : -1])
    return 0


def check_name(nodeid: str) -> str:
    """``tests/test_ex03.py::test_x[round2]`` -> ``test_x``."""
    name = nodeid.split("::")[-1]
    return name.split("[", 1)[0]


PUBLIC, HIDDEN, ALL = "public", "hidden", "all"


def check_files(exercise: catalogue.Exercise, which: str) -> list[Path]:
    """The public check file, the hidden one (if any), or both."""
    files = [exercise.test_file] if which in (PUBLIC, ALL) else []
    if which in (HIDDEN, ALL) and exercise.hidden_file.is_file():
        files.append(exercise.hidden_file)
    return files


def copy_checks(destination: Path, exercise: catalogue.Exercise, which: str) -> list[Path]:
    """A private copy of what the checks need, so a run cannot change the checks of another."""
    (destination / "tests").mkdir(parents=True)
    shutil.copyfile(catalogue.TESTS / "conftest.py", destination / "tests" / "conftest.py")
    copied = []
    for path in check_files(exercise, which):
        relative = path.relative_to(catalogue.ROOT)
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination / relative)
        copied.append(destination / relative)
    shutil.copytree(catalogue.ROOT / "kata", destination / "kata", ignore=shutil.ignore_patterns("__pycache__"))
    if catalogue.HINTS.is_dir():
        shutil.copytree(catalogue.HINTS, destination / "hints")
    shutil.copyfile(catalogue.ROOT / "pyproject.toml", destination / "pyproject.toml")
    return copied


def run_checks(
    exercise: catalogue.Exercise,
    target: Path,
    *,
    rounds: int = 1,
    timeout: float = 120.0,
    python: str = sys.executable,
    hidden: bool = False,
    which: str | None = None,
    limits: Limits | None = None,
    extra_args: tuple[str, ...] = (),
) -> Run:
    """Run ``exercise``'s checks on the module in ``target`` in a child interpreter.

    ``which`` picks the public checks, the hidden ones or all (``hidden=True`` means all). Only
    the chosen check files are copied into the run's folder, so a public run cannot read the
    hidden checks.
    """
    which = which or (ALL if hidden else PUBLIC)
    hidden = which != PUBLIC
    with tempfile.TemporaryDirectory(prefix="threadkata-") as scratch:
        checks = Path(scratch) / "checks"
        test_files = copy_checks(checks, exercise, which)
        if not test_files:
            return Run(returncode=0)
        command = [
            python, "-m", "pytest", *map(str, test_files), "-q",
            "-p", "kata.pytest_plugin", "--target", str(Path(target).resolve()), "--rounds", str(rounds),
            *(["--hidden"] if hidden else []), *extra_args,
        ]  # fmt: skip
        if limits and limits.args():
            command = [python, "-m", "kata.sandbox", *limits.args(), "--", *command]
        env = dict(os.environ)
        env.pop(catalogue.TARGET_ENV, None)
        env["PYTHONPATH"] = str(checks)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        read_end, write_end = os.pipe()
        env[REPORT_FD_ENV] = str(write_end)
        run = Run()
        started = time.monotonic()
        try:
            child = subprocess.Popen(
                command, cwd=checks, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(write_end,),
            )  # fmt: skip
        finally:
            os.close(write_end)
        output = _Drain(child.stdout.fileno(), OUTPUT_HEAD + OUTPUT_TAIL, keep_tail=OUTPUT_TAIL)
        report = _Drain(read_end, REPORT_LIMIT)
        try:
            run.returncode = child.wait(timeout)
        except subprocess.TimeoutExpired:
            run.timed_out = True
        finally:
            _kill_group(child.pid)
            child.wait()
        run.seconds = time.monotonic() - started
        run.output = output.text(wait=2.0)
        _read_report(report.text(wait=2.0), run)
        child.stdout.close()
        os.close(read_end)
        return run


class _Drain:
    """Read a pipe to its end in the background, keeping at most ``limit`` bytes (head and tail)."""

    def __init__(self, fd: int, limit: int, keep_tail: int = 0) -> None:
        self.fd, self.limit, self.keep_tail = fd, limit, keep_tail
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        head_limit = self.limit - self.keep_tail
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            room = max(0, head_limit - len(self.head))
            self.head += chunk[:room]
            rest = chunk[room:]
            if rest:
                if not self.keep_tail:
                    self.dropped += len(rest)
                    continue
                self.tail += rest
                if len(self.tail) > self.keep_tail:
                    self.dropped += len(self.tail) - self.keep_tail
                    del self.tail[: len(self.tail) - self.keep_tail]

    def text(self, wait: float) -> str:
        """What was read; waits a little for the pipe to close (an escaped grandchild may hold it open)."""
        self.thread.join(wait)
        middle = f"\n[… {self.dropped} bytes of output cut …]\n" if self.dropped and self.keep_tail else ""
        return (bytes(self.head).decode("utf-8", "replace") + middle + bytes(self.tail).decode("utf-8", "replace"))


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_report(text: str, run: Run) -> None:
    """Read the records; a second "collected" or a check reported twice means someone else wrote too."""
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a killed child
        if not isinstance(record, dict):
            continue
        event = record.get("event")
        if event == "collected":
            if run.collected:
                run.tampered = "the list of checks was reported twice"
            run.collected = list(record.get("tests", []))
        elif event == "test":
            nodeid = str(record.get("nodeid"))
            if nodeid in run.tests or not run.collected:
                run.tampered = f"check {check_name(nodeid)} was reported twice, or before the checks were collected"
            else:
                run.tests[nodeid] = record
        elif event == "collect-error":
            run.collect_errors.append(str(record.get("message")))


@lru_cache(maxsize=None)
def expected_checks(exercise: catalogue.Exercise, which: str) -> tuple[str, ...]:
    """The check ids of an exercise, collected without any learner code (nothing to forge)."""
    with tempfile.TemporaryDirectory(prefix="threadkata-collect-") as empty:
        run = run_checks(exercise, Path(empty), which=which, extra_args=("--collect-only",), timeout=120)
    return tuple(run.collected)
