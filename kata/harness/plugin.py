"""How the checks find the code they check, and how they report to a learner.

* ``--target DIR`` (or ``$THREADKATA_TARGET``) names the folder the exercise modules are
  imported from: ``exercises/`` by default, ``solutions/`` for the reference answers, or any
  folder holding a learner's ``exNN_*.py`` files.
* An exception that escapes a thread started during a check fails that check.
* A stub that still raises ``NotImplementedError`` gets one friendly line, not a trace.
* The run ends with one line per exercise and, for a single failing exercise, its first hint.
* Threads that learner code leaves running cannot keep the run from ending.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import traceback
from pathlib import Path
from types import ModuleType

import pytest

from kata import catalogue, messages
from kata import explorer as explore
from kata import hints as kata_hints
from kata.harness.calls import check_started, exercise_loaded, join_all, learners_leftovers, waiting_for_good
from kata.harness.wording import fail, natural

#: What a conftest re-exports: the hooks and fixtures pytest looks for there.
__all__ = [
    "pytest_addoption", "pytest_configure", "pytest_ignore_collect", "pytest_report_header",
    "pytest_runtest_call", "pytest_runtest_makereport", "pytest_terminal_summary",
    "pytest_sessionfinish", "pytest_unconfigure", "_fresh_thread_baseline", "exercise", "explorer",
]  # fmt: skip

_fail = pytest.fail  # bound before learner code runs, which might replace pytest.fail
_modules: dict[tuple[Path, str], ModuleType] = {}
_thread_errors: list[str] = []
_results: dict[str, dict[str, bool]] = {}
_exit_status = 0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hidden", action="store_true", help="also run the hidden checks in tests/hidden (the grader does)")
    parser.addoption(
        "--replay",
        type=int,
        default=None,
        metavar="SEED",
        help="run the race explorer's checks on this one schedule only (the seed a failure printed)",
    )
    parser.addoption(
        "--target",
        default=None,
        help=f"folder to import exercise modules from (default: ${catalogue.TARGET_ENV} or exercises/)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.kata_target = catalogue.resolve_target(config.getoption("--target"), Path(str(config.invocation_params.dir)))
    threading.excepthook = _record_thread_error


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name == "hidden" and collection_path.parent == catalogue.TESTS and not config.getoption("--hidden"):
        return True
    return None


def pytest_report_header(config: pytest.Config) -> str:
    return f"threadkata target: {config.kata_target}"


def _record_thread_error(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    trace = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    _thread_errors.append(messages.THREAD_ERROR.format(thread=name, error=f"{args.exc_type.__name__}: {args.exc_value}", trace=trace.rstrip()))


def load(config: pytest.Config, stem: str) -> ModuleType:
    """Import ``stem`` from the target folder once per run; a missing or broken file fails the check."""
    __tracebackhide__ = True
    target: Path = config.kata_target
    key = (target, stem)
    if key in _modules:
        return _modules[key]
    path = target / f"{stem}.py"
    if not path.is_file():
        _fail(messages.MISSING_FILE.format(file=path.name, folder=target), pytrace=False)
    spec = importlib.util.spec_from_file_location(stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    problem = None
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        problem = messages.SYNTAX_ERROR.format(file=path.name, line=error.lineno, text=(error.text or "").strip(), msg=error.msg)
    except BaseException as error:
        problem = messages.IMPORT_ERROR.format(file=path.name, error="".join(traceback.format_exception_only(type(error), error)).strip())
    if problem is not None:  # failed outside the except block, so no chained trace is shown
        del sys.modules[stem]
        _fail(problem, pytrace=False)
    _modules[key] = module
    return module


@pytest.fixture(autouse=True)
def _fresh_thread_baseline(request: pytest.FixtureRequest) -> None:
    """Hang reports of this check leave out threads that earlier checks left behind."""
    check_started(request.node.name)


@pytest.fixture
def exercise(request: pytest.FixtureRequest) -> ModuleType:
    """The learner's module for this test file's exercise, imported from the target folder."""
    stem = catalogue.stem_of(request.module.__name__)
    assert stem, f"{request.module.__name__} is not named test_exNN_<name>"
    module = load(request.config, stem)
    exercise_loaded(module)
    return module


@pytest.fixture
def explorer(request: pytest.FixtureRequest, exercise: ModuleType):
    """Run a scenario under the race explorer against the learner's file; fail with the interleaving.

    ``explorer(scenario)`` tries schedule 0 and then seeded schedules until one breaks the
    scenario's verdict (or a deadlock, or an exception in a thread); with ``--replay SEED`` it
    runs that one schedule. The failure ends with the trace and the command that replays it.
    """
    replay = request.config.getoption("--replay")
    number = catalogue.stem_of(request.module.__name__)[2:4]
    # The command works in the learner's own copy: it names this one check by its node id there
    # (``-k`` would also match a check whose name starts with this one's), and a grader's run
    # (through the runner's plugin) checked a scratch copy of exercises/, so its --target is left out.
    folder = "tests/hidden" if request.path.parent.name == "hidden" else "tests"
    graded = request.config.pluginmanager.hasplugin("kata.runner.report_plugin")
    target = None if graded else request.config.getoption("--target")
    elsewhere = f" --target {target}" if target else ""
    command = f"nox -s check-{number} -- {folder}/{request.path.name}::{request.function.__name__}{elsewhere} --replay {{seed}}"

    def check(scenario, schedules: int = explore.SCHEDULES) -> explore.Report:
        __tracebackhide__ = True
        report = explore.explore(exercise.__file__, scenario, schedules=schedules, replay=replay)
        found = report.found
        if found is not None:
            if isinstance(found.error, NotImplementedError):
                raise found.error  # a stub: the one-line "not written yet" message
            fail(explore.describe(report, command))
        return report

    return check


_escaped = pytest.StashKey[list]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Fail a check whose run let an exception escape from a thread (and show it if the check failed anyway)."""
    del _thread_errors[:]
    try:
        result = yield
    except BaseException:
        item.stash[_escaped] = list(_thread_errors)
        del _thread_errors[:]
        raise
    if _thread_errors:
        errors = list(_thread_errors)
        del _thread_errors[:]
        _fail("\n\n".join(errors), pytrace=False)
    return result


#: Characters of a check's captured learner output shown with its failure.
OUTPUT_LIMIT = 500


def _cut(text: str) -> str:
    if len(text) <= OUTPUT_LIMIT:
        return text
    return text[:OUTPUT_LIMIT] + f"\n[… {len(text) - OUTPUT_LIMIT} more characters of output cut …]\n"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    report.sections = [(title, _cut(text) if title.startswith("Captured") else text) for title, text in report.sections]
    if report.when == "call" and item.stash.get(_escaped, None):
        report.sections.append(("Exceptions that escaped from threads", "\n\n".join(item.stash[_escaped])))
    excinfo = call.excinfo
    cause = getattr(excinfo.value, "kata_cause", None) if report.failed and excinfo is not None else None
    if isinstance(cause, str):
        _causes[report.nodeid] = cause
    if report.failed and excinfo is not None and excinfo.errisinstance(NotImplementedError):
        target = str(item.config.kata_target)
        for entry in reversed(excinfo.traceback):
            if str(entry.path).startswith(target):
                report.longrepr = messages.NOT_WRITTEN.format(name=entry.name, file=Path(str(entry.path)).name, line=entry.lineno + 1)
                _causes[report.nodeid] = NOT_WRITTEN_CAUSE
                break
    stem = catalogue.stem_of(item.module.__name__) if isinstance(item, pytest.Function) else None
    if stem and (report.when == "call" or report.failed):
        outcome = _results.setdefault(stem, {})
        outcome[item.nodeid] = outcome.get(item.nodeid, True) and report.passed
    return report


#: The cause of every stub's failure, whichever TODO it stopped at: an untouched stub is one message.
NOT_WRITTEN_CAUSE = "not written yet"
_causes: dict[str, str] = {}


def _cause(report: pytest.TestReport) -> tuple[str, str]:
    """What makes two failures the same: their exercise and their message (or both stopping at a TODO)."""
    return report.nodeid.split("::")[0], _causes.get(report.nodeid) or report.longreprtext


def _short_name(report: pytest.TestReport) -> str:
    return report.nodeid.split("::")[-1]


#: How many of the checks that failed the same way are named after the one shown.
NAMED = 3


def one_report_per_cause(reports: list) -> tuple[list, dict]:
    """The reports to show: the first of each cause, its text ending in how many more failed the same
    way; the others are left out. Returns them and the original longreprs of the changed ones."""
    groups: dict[tuple[str, str], list] = {}
    for report in reports:
        groups.setdefault(_cause(report) if getattr(report, "when", "") == "call" else (report.nodeid, ""), []).append(report)
    shown, originals = [], {}
    for same in groups.values():
        first = same[0]
        shown.append(first)
        if len(same) > 1:
            originals[id(first)] = (first, first.longrepr)
            names = ", ".join(_short_name(r) for r in same[1:NAMED + 1]) + (f" and {len(same) - 1 - NAMED} others" if len(same) > NAMED + 1 else "")
            first.longrepr = first.longreprtext + "\n\n" + messages.SAME_FAILURE.format(count=len(same) - 1, checks=names)
    return shown, originals


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config):
    """Show each cause of failure once (the counts still count every check), then one line per exercise."""
    failed = terminalreporter.stats.get("failed")
    originals: dict = {}
    if failed:
        terminalreporter.stats["failed"], originals = one_report_per_cause(failed)
    try:
        return (yield)
    finally:
        if failed:
            terminalreporter.stats["failed"] = failed
            for report, longrepr in originals.values():
                report.longrepr = longrepr
        _summarise(terminalreporter, config)


def _summarise(terminalreporter, config: pytest.Config) -> None:
    if not _results:
        return
    write = terminalreporter.write_line
    exercises = {e.stem: e for e in catalogue.all_exercises()}
    ran = [exercises[stem] for stem in sorted(_results) if stem in exercises]
    write("")
    for exercise in ran:
        outcome = _results[exercise.stem]
        passed = sum(outcome.values())
        mark = "ok  " if passed == len(outcome) else "FAIL"
        write(f"  {mark} {exercise.number} {exercise.title:<20} {passed}/{len(outcome)} checks passed")
    failing = [e for e in ran if not all(_results[e.stem].values())]
    write("")
    if len(ran) == 1 and not config.getoption("--hidden") and ran[0].hidden_count():
        write(messages.HIDDEN_NOTE.format(count=ran[0].hidden_count()))
    if failing and len(ran) == 1:
        first = failing[0]
        checks = [nodeid.split("::")[-1] for nodeid, ok in _results[first.stem].items() if not ok and _causes.get(nodeid) != NOT_WRITTEN_CAUSE]
        hint = kata_hints.for_failure(first, config.kata_target, checks)
        if hint is not None:
            total = len(first.hints())
            write(messages.HINT.format(hint=hint.text, number=hint.number, total=total, exercise=first.number, file=f"hints/{first.hint_file.name}"))
    elif failing:
        first = failing[0]
        write(messages.FIX_NEXT.format(number=first.number, file=f"{first.stem}.py"))
    elif config.kata_target != catalogue.EXERCISES:
        write(messages.ALL_PASS_IN.format(folder=config.kata_target))
    else:
        from kata import learner  # the learner's state: which exercises are known to pass

        if _ran_every_check(terminalreporter, config):
            for exercise in ran:
                learner.remember_pass(exercise, config.kata_target)
        order = list(exercises.values())
        after = order.index(ran[-1]) + 1
        nxt = next((e for e in order[after:] + order[:after] if e not in ran and learner.known_status(e, config.kata_target) != learner.DONE), None)
        if nxt is not None:
            write(messages.WELL_DONE_NEXT.format(number=nxt.number, file=f"exercises/{nxt.stem}.py"))
        else:
            write(messages.ALL_DONE)


def _ran_every_check(terminalreporter, config: pytest.Config) -> bool:
    """True if no check was left out of this run (by -k, -m, --replay or a deselection)."""
    options = config.option
    return not (getattr(options, "keyword", "") or getattr(options, "markexpr", "") or config.getoption("--replay") is not None
                or terminalreporter.stats.get("deselected") or terminalreporter.stats.get("skipped"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """End the run even if learner code left non-daemon threads running (they would block exit)."""
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    # One short grace period for all of them together; none in a failed run whose learner threads
    # each wait for good (the checks' own callers left in a failed call matter to nobody then).
    failed_for_good = _exit_status != 0 and waiting_for_good(learners_leftovers(stuck))
    join_all(stuck, timeout=0 if failed_for_good else 0.5)
    stuck = [t for t in stuck if t.is_alive()]
    if stuck:
        theirs = sorted(learners_leftovers(stuck), key=lambda t: natural(t.name))
        if theirs:  # the checks' own callers stuck in learner code are no thread the learner should join
            names = ", ".join(repr(t.name) for t in theirs[:5]) + (f" and {len(theirs) - 5} more" if len(theirs) > 5 else "")
            sys.stderr.write(messages.LEFTOVER_THREADS.format(count=len(theirs), names=names) + "\n")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status or 1)
