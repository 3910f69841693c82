"""pytest plugin for tools that run the checks: repeated rounds and a machine-readable report.

Loaded with ``-p kata.runner.report_plugin`` by the runner (so by the grader, the self-check and
the benchmarks); a learner's ``nox -s check-NN`` does not need it.

* ``--rounds N`` runs every check N times (``[round0]`` … ``[roundN-1]``).
* ``--stop-round-at-first-failure``: once a check of round r has failed (in its setup, call or
  teardown), the checks of round r still to come are skipped, reported as skipped; the other
  rounds still run. For runs that need one failure per round and no more (a mutant is rejected
  by one failing check a round), so a buggy target does not wait out the bounds of every check.
* The report: the records of :mod:`kata.runner.protocol`, one per line, first the collected
  checks, then one as each check ends, flushed at once so a run that dies still leaves what it
  finished. It goes to the pipe named by ``$THREADKATA_REPORT_FD`` (how the runner asks where it
  can hand a pipe to a child; the variable is removed before any learner code runs) or to
  ``--kata-report PATH`` (how it asks elsewhere, Windows for one).
* Sealing (:mod:`kata.runner.protocol`): with ``$THREADKATA_REPORT_NONCE`` set (and removed, like
  the descriptor's variable, before learner code runs), every line carries the run's secret and
  its number, the session ends with a closing record, and a canary check with a per-run name that
  always fails runs last.
* Tripwires (:class:`Tripwires`): at the end of every check, pytest's report and runner objects,
  the hooks that make and log reports, this plugin's own writer, the check functions' code and
  the report descriptor (its device and inode) are compared with what they were before any
  learner code ran; each change is a ``flag`` record, written through a private duplicate of the
  descriptor when the original was replaced. Learner code runs in this process, so a determined
  forger can defeat all of this; the tripwires catch the known ways, and the static screen
  (:mod:`grader.screen`) flags the imports and internals every one of them needs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import types

import _pytest.reports
import _pytest.runner
import pytest

from kata.messages import Status
from kata.runner import protocol
from kata.runner.protocol import NONCE_ENV, CheckReport, Collected, CollectError, End, Flag, Record, canary_name, encode
from kata.runner.rounds import round_of
from kata.settings import REPORT_FD_ENV

MESSAGE_LIMIT = 4000

_write, _fstat, _dup = os.write, os.fstat, os.dup  # taken before any learner code can replace them
_Failed = pytest.fail.Exception  # the canary's failure, however learner code rebinds pytest.fail

#: The hooks whose implementations make, run and log a check's report: none may change mid-run.
WATCHED_HOOKS = (
    "pytest_runtest_protocol", "pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_teardown",
    "pytest_runtest_makereport", "pytest_runtest_logreport", "pytest_pyfunc_call", "pytest_report_teststatus",
    "pytest_sessionfinish",
)  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("threadkata tools")
    group.addoption("--rounds", type=int, default=1, help="run every check this many times")
    group.addoption("--kata-report", default=None, help="write JSON lines with each check's outcome here")
    group.addoption(
        "--stop-round-at-first-failure", action="store_true", default=False,
        help="once a check of a round has failed, skip that round's remaining checks (other rounds still run)",
    )  # fmt: skip


@pytest.fixture(autouse=True)
def kata_round(request: pytest.FixtureRequest) -> int:
    """Which repetition of the check this is (0 without ``--rounds``)."""
    return getattr(request, "param", 0)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    rounds = metafunc.config.getoption("rounds")
    if rounds > 1 and "kata_round" in metafunc.fixturenames:
        metafunc.parametrize("kata_round", range(rounds), ids=lambda r: f"round{r}")


class Tripwires:
    """What the test machinery looked like before learner code ran, and what has changed since.

    :meth:`arm` (after collection, before the first check imports the learner's module) keeps a
    reference to every watched object; :meth:`changes` names each one that is no longer the same
    object, or whose function's code changed: the classes and modules of pytest's reports and runner
    (``TestReport.failed``, ``call_and_report``), the implementations of :data:`WATCHED_HOOKS`, this
    plugin's module, its reporter's class and instance, the check functions (and their code), and
    the report descriptor's (device, inode).
    """

    def __init__(self) -> None:
        self.kept: dict[str, object] = {}
        self.codes: dict[tuple[str, str], tuple[object, object]] = {}  # (where, function name): (function, its code then)

    def arm(self, session: pytest.Session, reporter: Reporter) -> None:
        self.kept.clear()
        self.codes.clear()
        self.session, self.reporter = session, reporter
        for label, namespace in self.namespaces():
            for name, value in list(namespace.items()):
                self.keep(f"{label}.{name}", value)
        self.descriptor = reporter.identity()

    def namespaces(self):
        reports = _pytest.reports
        for cls in (reports.BaseReport, reports.TestReport, reports.CollectReport, _pytest.runner.CallInfo, Reporter, Tripwires):
            yield cls.__qualname__, vars(cls)
        for module in (reports, _pytest.runner, pytest, protocol, sys.modules[__name__]):
            yield module.__name__, vars(module)
        yield "the report plugin's reporter", {name: value for name, value in vars(self.reporter).items() if name not in Reporter.STATE}
        yield "the report plugin's check texts", {"behaviour": dict(self.reporter.behaviour)}
        hooks = self.session.config.hook
        yield "hook implementations", {name: tuple(impl.function for impl in getattr(hooks, name).get_hookimpls()) for name in WATCHED_HOOKS}
        yield "the check", {item.nodeid.rsplit("::", 1)[-1]: getattr(item, "obj", None) for item in self.session.items}

    def keep(self, label: str, value: object) -> None:
        self.kept[label] = value
        for part in value if isinstance(value, tuple) else (value,):
            if isinstance(part, property):
                functions = (part.fget, part.fset, part.fdel)
            elif isinstance(part, (staticmethod, classmethod)):
                functions = (part.__func__,)
            else:
                functions = (part,)
            for function in functions:
                if isinstance(function, types.FunctionType):  # never getattr on anything else: a __getattr__ may answer
                    self.codes[(label, function.__qualname__)] = (function, function.__code__)

    def changes(self) -> list[str]:
        """One sentence per change since :meth:`arm` (empty when nothing changed)."""
        found = []
        now = {}
        for label, namespace in self.namespaces():
            for name, value in list(namespace.items()):
                now[f"{label}.{name}"] = value
        for label, value in self.kept.items():
            if label not in now:
                found.append(f"{label} was deleted")
            elif now[label] is not value and now[label] != value:
                found.append(f"{label} was replaced")
        found += [f"{label} was added" for label in sorted(now.keys() - self.kept.keys())]
        for (label, name), (function, code) in self.codes.items():
            if function.__code__ is not code:
                found.append(f"the code of {name} ({label}) was swapped")
        if self.reporter.identity() != self.descriptor:
            found.append("the report descriptor was replaced (it no longer is the pipe the run was given)")
        return found


class Reporter:
    """Writes the report's records; see the module's docstring."""

    #: The attributes that change as the run goes (the rest must not).
    STATE = ("seq", "armed", "found")

    def __init__(self, fd: int, nonce: str, config: pytest.Config) -> None:
        self.fd, self.nonce, self.config = fd, nonce, config
        self.spare = _dup(fd) if nonce else fd  # writes go here once the original is replaced
        self.seq = 0
        self.digest = hashlib.sha256()
        self.open: dict[str, CheckReport] = {}
        self.behaviour: dict[str, str] = {}
        self.tripwires = Tripwires()
        self.found: set[str] = set()
        self.armed = False

    def identity(self, fd: int | None = None) -> tuple[int, int] | None:
        try:
            info = _fstat(self.fd if fd is None else fd)
        except OSError:
            return None
        return info.st_dev, info.st_ino

    def emit(self, record: Record) -> None:
        """Seal and write ``record``. Always called as ``Reporter.emit(self, …)``: an ``emit`` that
        learner code sets on the instance (wrapping the writer) never writes this plugin's records."""
        line = encode(record, self.nonce, self.seq)
        self.seq += 1
        self.digest.update(line.encode("utf-8", "surrogatepass"))
        data = line.encode("utf-8", "surrogatepass")
        fd = self.fd if not self.armed or self.identity() == self.tripwires.descriptor else self.spare
        while data:
            data = data[_write(fd, data) :]

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
        self.session = session
        if self.nonce and items and not config.getoption("collectonly"):
            parent = items[-1].parent
            items.append(pytest.Function.from_parent(parent, name=canary_name(self.nonce), callobj=_canary))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        checks = [item for item in session.items if not self.is_canary(item.nodeid)]
        for item in checks:
            doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
            first = doc.strip().splitlines()[0] if doc.strip() else item.name.split("[")[0].removeprefix("test_").replace("_", " ")
            self.behaviour[item.nodeid] = first.rstrip(".")
        Reporter.emit(self, Collected(tuple(item.nodeid for item in checks)))
        if self.nonce:
            self.tripwires.arm(session, self)
            self.armed = True

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            Reporter.emit(self, CollectError(report.nodeid, report.longreprtext[-MESSAGE_LIMIT:]))

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
        if report.failed and report.when == "call" and self.is_canary(report.nodeid):
            self.session.testsfailed -= 1  # the canary's expected failure does not change the exit status
        if report.when == "teardown":
            self.check_tripwires(report.nodeid)
            Reporter.emit(self, self.open.pop(report.nodeid))

    def is_canary(self, nodeid: str) -> bool:
        return bool(self.nonce) and nodeid.rsplit("::", 1)[-1] == canary_name(self.nonce)

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """The canary is left out of the terminal's failures (it is the grader's, not the learner's)."""
        return ("canary", "", "") if self.is_canary(report.nodeid) and report.when == "call" else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_terminal_summary(self) -> None:
        """The harness's one-line-per-exercise summary counts the learner's checks, not the canary."""
        harness = sys.modules.get("kata.harness.plugin")
        for outcome in getattr(harness, "_results", {}).values():
            for nodeid in [n for n in outcome if self.is_canary(n)]:
                del outcome[nodeid]

    def check_tripwires(self, nodeid: str) -> None:
        if not self.armed:
            return
        try:
            changes = self.tripwires.changes()
        except Exception as why:  # noqa: BLE001 - a namespace made unreadable is itself a change
            changes = [f"the test machinery could not be inspected ({type(why).__name__})"]
        for change in changes:
            if change not in self.found:
                self.found.add(change)
                Reporter.emit(self, Flag(nodeid, f"pytest's or the grader's machinery was changed: {change}"))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.nonce:
            self.check_tripwires("")
            Reporter.emit(self, End(self.seq, self.digest.hexdigest()))


class RoundStop:
    """``--stop-round-at-first-failure``: skips the checks of a round in which a check has failed.

    Never the canary (it is not a check, and it must fail for the report to be believed).
    """

    def __init__(self) -> None:
        self.failed: set[int] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed.add(round_of(report.nodeid))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if round_of(item.nodeid) in self.failed and getattr(item, "obj", None) is not _canary:
            pytest.skip(f"a check of round {round_of(item.nodeid)} has already failed (--stop-round-at-first-failure)")


def _canary() -> None:
    """The run's canary: always fails, so a run that reports it passed was forged."""
    raise _Failed("the canary check always fails", pytrace=False)  # no traceback: pytest need not read any source


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("stop_round_at_first_failure"):
        config.pluginmanager.register(RoundStop(), "kata-round-stop")
    fd = os.environ.pop(REPORT_FD_ENV, None)
    nonce = os.environ.pop(NONCE_ENV, "")
    path = config.getoption("kata_report")
    if fd is not None:
        number = int(fd)
    elif path:
        number = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    else:
        return
    reporter = Reporter(number, nonce, config)
    config.pluginmanager.register(reporter, "kata-reporter")
    config.add_cleanup(lambda: [os.close(n) for n in {reporter.fd, reporter.spare}])
