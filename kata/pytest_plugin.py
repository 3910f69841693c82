"""pytest plugin for tools that run the checks: repeated rounds and a machine-readable report.

Loaded with ``-p kata.pytest_plugin`` by the grader, the mutant runner and the benchmark;
a learner's ``nox -s check-NN`` does not need it.

* ``--rounds N`` runs every check N times (``[round0]`` … ``[roundN-1]``).
* The report: one JSON object per line, first ``{"event": "collected", "tests": [...]}``, then
  ``{"event": "test", ...}`` as each check ends, flushed at once so a run that dies still leaves
  what it finished. It goes to the pipe named by ``$KATA_REPORT_FD`` (how the runner asks; the
  variable is removed before any learner code runs) or to ``--kata-report PATH``.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any

import pytest

MESSAGE_LIMIT = 4000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("threadkata tools")
    group.addoption("--rounds", type=int, default=1, help="run every check this many times")
    group.addoption("--kata-report", default=None, help="write JSON lines with each check's outcome here")


@pytest.fixture(autouse=True)
def kata_round(request: pytest.FixtureRequest) -> int:
    """Which repetition of the check this is (0 without ``--rounds``)."""
    return getattr(request, "param", 0)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    rounds = metafunc.config.getoption("rounds")
    if rounds > 1 and "kata_round" in metafunc.fixturenames:
        metafunc.parametrize("kata_round", range(rounds), ids=lambda r: f"round{r}")


class Reporter:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.open: dict[str, dict[str, Any]] = {}
        self.behaviour: dict[str, str] = {}

    def emit(self, record: dict[str, Any]) -> None:
        self.stream.write(json.dumps(record) + "\n")
        self.stream.flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
            first = doc.strip().splitlines()[0] if doc.strip() else item.name.split("[")[0].removeprefix("test_").replace("_", " ")
            self.behaviour[item.nodeid] = first.rstrip(".")
        self.emit({"event": "collected", "tests": [item.nodeid for item in session.items]})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.emit({"event": "collect-error", "nodeid": report.nodeid, "message": report.longreprtext[-MESSAGE_LIMIT:]})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.open.setdefault(
            report.nodeid,
            {"event": "test", "nodeid": report.nodeid, "outcome": "passed", "message": "", "duration": 0.0, "hidden": "/hidden/" in report.nodeid, "behaviour": self.behaviour.get(report.nodeid, "")},
        )
        record["duration"] += report.duration
        if report.failed and record["outcome"] == "passed":
            record["outcome"] = "failed" if report.when == "call" else "error"
            record["message"] = report.longreprtext[:MESSAGE_LIMIT]
        elif report.skipped and record["outcome"] == "passed":
            record["outcome"] = "skipped"
        if report.when == "teardown":
            self.emit(self.open.pop(report.nodeid))


def pytest_configure(config: pytest.Config) -> None:
    fd = os.environ.pop("KATA_REPORT_FD", None)
    path = config.getoption("kata_report")
    if fd is not None:
        stream = os.fdopen(int(fd), "w", encoding="utf-8")
    elif path:
        stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at cleanup
    else:
        return
    config.pluginmanager.register(Reporter(stream), "kata-reporter")
    config.add_cleanup(stream.close)
