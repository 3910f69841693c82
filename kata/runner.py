"""Run one exercise's checks against one target folder in a child process, and read the outcome.

The child is its own process group with a wall-clock limit; at the end the whole group is
killed, so a hung or thread-leaking target costs only its own run. Output goes to a file and
only its tail is read back, however much the target prints.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kata import catalogue

OUTPUT_TAIL = 20_000


@dataclass
class Run:
    """What one child run of the checks reported."""

    collected: list[str] = field(default_factory=list)
    tests: dict[str, dict] = field(default_factory=dict)
    collect_errors: list[str] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
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


def run_checks(
    exercise: catalogue.Exercise,
    target: Path,
    *,
    rounds: int = 1,
    timeout: float = 120.0,
    python: str = sys.executable,
    extra_args: tuple[str, ...] = (),
) -> Run:
    """Run ``exercise``'s checks on the module in ``target`` in a child interpreter."""
    with tempfile.TemporaryDirectory(prefix="threadkata-") as scratch:
        report = Path(scratch) / "report.jsonl"
        output = Path(scratch) / "output.txt"
        command = [
            python, "-m", "pytest", str(exercise.test_file), "-q",
            "-p", "kata.pytest_plugin", "--kata-report", str(report),
            "--target", str(target), "--rounds", str(rounds), *extra_args,
        ]  # fmt: skip
        env = dict(os.environ)
        env.pop(catalogue.TARGET_ENV, None)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(catalogue.ROOT), env.get("PYTHONPATH")]))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        run = Run()
        started = time.monotonic()
        with open(output, "wb") as sink:
            child = subprocess.Popen(command, cwd=catalogue.ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                run.returncode = child.wait(timeout)
            except subprocess.TimeoutExpired:
                run.timed_out = True
            finally:
                _kill_group(child.pid)
                child.wait()
        run.seconds = time.monotonic() - started
        run.output = _tail(output)
        _read_report(report, run)
        return run


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path) -> str:
    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - OUTPUT_TAIL))
        text = stream.read().decode("utf-8", "replace")
    return ("[… output cut …]\n" if size > OUTPUT_TAIL else "") + text


def _read_report(path: Path, run: Run) -> None:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a killed child
        if record.get("event") == "collected":
            run.collected = list(record["tests"])
        elif record.get("event") == "test":
            run.tests[record["nodeid"]] = record
        elif record.get("event") == "collect-error":
            run.collect_errors.append(record["message"])
