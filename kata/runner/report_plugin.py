"""pytest plugin for tools that run the checks: repeated rounds and a machine-readable report.

Loaded with ``-p kata.runner.report_plugin`` by the runner (so by the grader, the self-check and
the benchmarks); a learner's ``nox -s check-NN`` does not need it.

* ``--rounds N`` runs every check N times (``[round0]`` … ``[roundN-1]``).
* The report: the records of :mod:`kata.runner.protocol`, one per line, first the collected
  checks, then one as each check ends, flushed at once so a run that dies still leaves what it
  finished. It goes to the pipe named by ``$THREADKATA_REPORT_FD`` (how the runner asks where it
  can hand a pipe to a child; the variable is removed before any learner code runs) or to
  ``--kata-report PATH`` (how it asks elsewhere, Windows for one).
"""

from __future__ import annotations

import dataclasses
import os
from typing import IO

import pytest

from kata.messages import Status
from kata.runner.protocol import CheckReport, Collected, CollectError, Record, encode
from kata.settings import REPORT_FD_ENV

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
        self.open: dict[str, CheckReport] = {}
        self.behaviour: dict[str, str] = {}

    def emit(self, record: Record) -> None:
        self.stream.write(encode(record))
        self.stream.flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
            first = doc.strip().splitlines()[0] if doc.strip() else item.name.split("[")[0].removeprefix("test_").replace("_", " ")
            self.behaviour[item.nodeid] = first.rstrip(".")
        self.emit(Collected(tuple(item.nodeid for item in session.items)))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.emit(CollectError(report.nodeid, report.longreprtext[-MESSAGE_LIMIT:]))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.open.get(report.nodeid) or CheckReport(
            report.nodeid, Status.PASSED, hidden="/hidden/" in report.nodeid, behaviour=self.behaviour.get(report.nodeid, "")
        )
        record = dataclasses.replace(record, duration=record.duration + report.duration)
        if report.failed and record.outcome is Status.PASSED:
            outcome = Status.FAILED if report.when == "call" else Status.ERROR
            record = dataclasses.replace(record, outcome=outcome, message=report.longreprtext[:MESSAGE_LIMIT])
        elif report.skipped and record.outcome is Status.PASSED:
            record = dataclasses.replace(record, outcome=Status.SKIPPED)
        self.open[report.nodeid] = record
        if report.when == "teardown":
            self.emit(self.open.pop(report.nodeid))


def pytest_configure(config: pytest.Config) -> None:
    fd = os.environ.pop(REPORT_FD_ENV, None)
    path = config.getoption("kata_report")
    if fd is not None:
        stream = os.fdopen(int(fd), "w", encoding="utf-8")
    elif path:
        stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at cleanup
    else:
        return
    config.pluginmanager.register(Reporter(stream), "kata-reporter")
    config.add_cleanup(stream.close)
