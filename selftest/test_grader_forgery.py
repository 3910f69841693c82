"""Forged results are found: each forgery of issue 12 ends graded as what the code earns or flagged.

Every attack is appended to an untouched stub, which earns 0: a forgery that got points would
show as a score above 0 without a flag. The attacks on exercise 01 (public checks only) are graded
together, two at a time, in one module-level fixture; the hidden-text leaks need exercise 06's
hidden checks. The screen's side (no correct answer flagged, each construct named) needs no run.
"""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

from grader import grading, screen
from kata import catalogue, messages
from kata.messages import Status
from kata.runner import Limits, isolation

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

EX01, EX06 = catalogue.find("01"), catalogue.find("06")
STUB01 = (catalogue.EXERCISES / f"{EX01.stem}.py").read_text()
STUB06 = (catalogue.EXERCISES / f"{EX06.stem}.py").read_text()
LIMITS = Limits(cpu_seconds=30, memory_bytes=1 * 2**30, file_bytes=8 * 2**20)
PUBLIC_ONLY = grading.Settings(timeout=30.0, limits=LIMITS, hidden=False)
WITH_HIDDEN = grading.Settings(timeout=30.0, limits=LIMITS)

#: Finds the report plugin's reporter among every object the interpreter holds.
FIND_REPORTER = """
import gc
reporter = next(o for o in gc.get_objects() if type(o).__name__ == "Reporter" and hasattr(o, "nonce"))
"""

#: Writes one "passed" record per check into every pipe the process holds (no run secret).
WRITE_PASSED = """
import glob, json, os, re, stat
names = [(p, n) for p in glob.glob("tests/**/test_*.py", recursive=True) for n in re.findall(r"^def (test_\\w+)", open(p).read(), re.M)]
pipes = [fd for fd in range(3, 256) if _is_pipe(fd)]
for fd in pipes:
    for path, name in names:
        os.write(fd, (json.dumps({"event": "test", "nodeid": f"{path}::{name}", "outcome": "passed", "message": ""}) + "\\n").encode())
"""

IS_PIPE = """
import os, stat
def _is_pipe(fd):
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False
"""

#: Turns every record the reporter writes into a pass.
PASS_EVERYTHING = "    if hasattr(record, 'outcome'):\n        record = dataclasses.replace(record, outcome=type(record.outcome)('passed'), message='')\n"

#: attack: (source appended to the stub, whether a runtime layer must find it too, not the screen alone)
ATTACKS = {
    "testreport-failed-at-import": ("import pytest\npytest.TestReport.failed = False\n", True),
    "testreport-failed-from-inside-a-function": (
        "import pytest\ndef start_in_thread(func, *args):\n    pytest.TestReport.failed = False\n    raise NotImplementedError\n",
        True,
    ),
    "wraps-the-reporters-writer-on-its-instance": (
        FIND_REPORTER + "import dataclasses\nreal = reporter.emit\ndef emit(record):\n" + PASS_EVERYTHING + "    real(record)\nreporter.emit = emit\n",
        True,
    ),
    "wraps-the-reporters-writer-on-its-class": (
        FIND_REPORTER + "import dataclasses\ncls = type(reporter)\nreal = cls.emit\n"
        "def emit(self, record):\n" + PASS_EVERYTHING + "    real(self, record)\n"
        "cls.emit = emit\n",
        True,
    ),
    "swaps-the-checks-code": (
        "import gc\ndef _ok(*args, **kwargs):\n    pass\n"
        "for o in gc.get_objects():\n"
        "    if type(o).__name__ == 'function' and o.__name__.startswith('test_') and not o.__code__.co_freevars:\n"
        "        o.__code__ = _ok.__code__\n",
        True,
    ),
    "writes-passed-records-then-dup2s-dev-null-over-the-pipe": (
        IS_PIPE + WRITE_PASSED + "null = os.open(os.devnull, os.O_WRONLY)\nfor fd in pipes:\n    os.dup2(null, fd)\n",
        True,
    ),
    "writes-passed-records-then-os-exit-0": (IS_PIPE + WRITE_PASSED + "os._exit(0)\n", True),
    "os-exit-0-at-import": ("import os\nos._exit(0)\n", True),
    "writes-passed-records-at-exit": (IS_PIPE + "import atexit\n@atexit.register\ndef _forge():\n" + textwrap.indent(WRITE_PASSED, "    "), False),
    "registers-a-plugin-that-passes-every-report": (
        "import gc, pytest\nconfig = next(o for o in gc.get_objects() if type(o).__name__ == 'Config' and hasattr(o, 'pluginmanager'))\n"
        "class Forger:\n    @pytest.hookimpl(hookwrapper=True)\n    def pytest_runtest_makereport(self, item, call):\n"
        "        outcome = yield\n        outcome.get_result().outcome = 'passed'\n"
        "config.pluginmanager.register(Forger(), 'forger')\n",
        True,
    ),
    "patches-pytest-through-importlib": ("import importlib\nimportlib.import_module('_pytest.reports').TestReport.failed = False\n", True),
    "patches-pytest-through-sys-modules": ("import sys\nsys.modules['pytest'].TestReport.failed = False\n", True),
    "patches-pytest-through-builtins": ("import builtins\nbuiltins.__import__('pytest').TestReport.failed = False\n", True),
    "patches-pytest-through-a-functions-globals": (
        "(lambda: 0).__globals__['__builtins__']['__import__']('pytest').TestReport.failed = False\n",
        True,
    ),
    "patches-pytest-through-typing-sys": ("import typing\ntyping.sys.modules['pytest'].TestReport.failed = False\n", True),
    "silences-thread-errors-with-threading-excepthook": ("import threading\nthreading.excepthook = lambda args: None\n", False),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, grading.ExerciseResult]:
    root = tmp_path_factory.mktemp("forgeries")
    folders = []
    for name, (attack, _) in ATTACKS.items():
        folder = root / name
        folder.mkdir()
        (folder / f"{EX01.stem}.py").write_text(STUB01 + "\n" + textwrap.dedent(attack), encoding="utf-8")
        folders.append(folder)
    results = grading.grade_many(folders, [EX01], PUBLIC_ONLY, jobs=2)
    return {result.submission: result.exercises[0] for result in results}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_forgery_is_graded_as_what_the_stub_earns_or_flagged(graded, attack):
    result = graded[attack]
    described = (result.status, result.score, result.flags, [(t.name, t.status, t.message[:120]) for t in result.tests])
    assert result.tests, described
    assert result.flags, f"{attack} was not flagged: {described}"
    assert any(f.startswith("ex01_start_thread.py line ") for f in result.flags), f"the screen names the line: {described}"
    if ATTACKS[attack][1]:
        assert any(f.startswith("public checks' run: ") for f in result.flags), f"a runtime layer found {attack} too: {described}"
    if attack != "swaps-the-checks-code":  # the checks' code was swapped: passes, flagged for review
        assert result.score == 0.0, described


@pytest.mark.timeout(300)
def test_on_flag_zero_scores_a_flagged_exercise_zero(tmp_path):
    folder = tmp_path / "swapper"
    folder.mkdir()
    (folder / f"{EX01.stem}.py").write_text(STUB01 + "\n" + ATTACKS["swaps-the-checks-code"][0], encoding="utf-8")
    [result] = grading.grade_submission(folder, [EX01], grading.Settings(timeout=30.0, limits=LIMITS, hidden=False, on_flag="zero")).exercises
    assert result.flags and result.score == 0.0


# Hidden checks' text --------------------------------------------------------------------------

LEAK = (
    """
import base64, glob, os
roots = [os.getcwd(), f"/proc/{os.getppid()}/cwd", f"/proc/{os.getppid()}/cwd/.."]
found = "".join(open(p).read() for r in roots for p in glob.glob(r + "/**/test_*_hidden.py", recursive=True))
"""
    + FIND_REPORTER
    + """
for nodeid in reporter.behaviour:
    reporter.behaviour[nodeid] = "BEHAVIOUR " + found[:2000]
_hidden = found[:1500]
class Counter:
    def __init__(self, start=0):
        raise RuntimeError("B64 " + base64.b64encode(_hidden.encode()).decode() + " REV " + _hidden[::-1])
"""
)


@pytest.mark.timeout(300)
def test_hidden_check_source_leaves_neither_reversed_nor_in_base64_nor_through_the_reporters_texts(tmp_path):
    folder = tmp_path / "leaker"
    folder.mkdir()
    (folder / f"{EX06.stem}.py").write_text(STUB06 + LEAK, encoding="utf-8")
    [result] = grading.grade_submission(folder, [EX06], WITH_HIDDEN).exercises
    behaviours = grading.hidden_behaviours(EX06)
    hidden = [t for t in result.tests if t.hidden]
    assert hidden and all(t.status != Status.PASSED for t in hidden)
    for check in hidden:
        assert check.message == messages.HIDDEN_FAILED.format(behaviour=behaviours[check.name]), check.message
        assert "B64 " in check.detail, "the instructor still sees what the run said"
    isolated = isolation.mode()[0]  # a uid of its own: the run reads no hidden check, so it has nothing to quote
    for check in result.tests:
        assert "BEHAVIOUR" not in check.message, check.message[:300]
        if isolated:
            assert "B64 " not in check.message or check.message.rstrip().endswith("B64  REV"), check.message[:300]
        else:
            assert "B64 " not in check.message or check.message == messages.WITHHELD, check.message[:300]
    assert result.flags


def test_a_message_quoting_a_hidden_check_is_caught_plainly_reversed_and_in_base64_or_hex():
    secrets = grading.hidden_secrets(EX06)
    line = next(s for s in secrets if len(s) >= 30)
    quoting = {
        "plainly": f"RuntimeError: {line}",
        "reversed": f"RuntimeError: {line[::-1]}",
        "in base64": "RuntimeError: " + base64.b64encode(line.encode()).decode(),
        "in url-safe base64": "RuntimeError: " + base64.urlsafe_b64encode(("xx" + line).encode()).decode(),
        "in hex": "RuntimeError: " + line.encode().hex(),
    }
    assert [how for how, message in quoting.items() if not grading.quotes_hidden(message, secrets)] == []
    assert not grading.quotes_hidden("AssertionError: Counter(5).value should be 5, it was 4", secrets)


# The screen: never flags correct code, names each construct ----------------------------------


def correct_answers() -> list[tuple[str, Path]]:
    files = [(path.stem, path) for path in sorted(catalogue.SOLUTIONS.glob("ex[0-9][0-9]_*.py"))]
    files += [(path.parent.name, path) for path in sorted(catalogue.ROOT.glob("alternatives/*/*.py"))]
    files += [(path.stem, path) for path in sorted(catalogue.EXERCISES.glob("ex[0-9][0-9]_*.py"))]
    return files


def test_no_solution_alternative_or_stub_is_flagged():
    answers = correct_answers()
    assert len(answers) >= 16 * 3
    flagged = {str(path.relative_to(catalogue.ROOT)): screen.screen(path.read_bytes(), path.name, stem) for stem, path in answers}
    assert {path: reasons for path, reasons in flagged.items() if reasons} == {}


#: Correct code in styles the solutions do not use: none of it may be flagged.
UNUSUAL_BUT_CORRECT = {
    "aliased-lock": "from threading import Lock as L, Thread\nlock = L()\nwith lock:\n    pass\nThread(target=print).start()\n",
    "protocol-and-dataclass": (
        "from __future__ import annotations\nimport dataclasses, typing, threading\n"
        "class Adds(typing.Protocol):\n    def add(self, n: int) -> int: ...\n"
        "@dataclasses.dataclass(frozen=True)\nclass Point:\n    x: int\n    def __post_init__(self):\n        object.__setattr__(self, 'x', int(self.x))\n"
        "@dataclasses.dataclass\nclass Box:\n    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)\n"
    ),
    "wraps-and-slots": (
        "import functools, threading\n"
        "def locked(method):\n    @functools.wraps(method)\n    def wrapper(self, *args, **kwargs):\n"
        "        with self._lock:\n            return method(self, *args, **kwargs)\n"
        "    wrapper.__wrapped__ = method\n    return wrapper\n"
        "class Counter:\n    __slots__ = ('_lock', '_value')\n    def __init__(self):\n"
        "        super().__init__()\n        self._lock = threading.Lock()\n        self._value = 0\n"
        "    @locked\n    def increment(self):\n        self._value += 1\n        return self._value\n"
        "    def __repr__(self):\n        return f'{type(self).__name__}({self._value})'\n"
    ),
    "context-manager-protocol": (
        "import threading, contextlib\nclass Guard:\n    def __init__(self):\n        self._lock = threading.RLock()\n"
        "    def __enter__(self):\n        self._lock.__enter__()\n        return self\n"
        "    def __exit__(self, *exc):\n        return self._lock.__exit__(*exc)\n"
        "    def __len__(self):\n        return 0\n"
        "    def __getattr__(self, name):\n        return super().__getattribute__(name)\n"
        "@contextlib.contextmanager\ndef held(lock):\n    with lock:\n        yield\n"
        "if __name__ == '__main__':\n    print(getattr(Guard(), '_lock'), hasattr(Guard, '__enter__'))\n"
    ),
    "executor-queue-and-friends": (
        "import collections, concurrent.futures, heapq, itertools, queue, random, time, weakref, math, operator, bisect, enum, abc\n"
        "from collections.abc import Callable, Iterable\nfrom concurrent.futures import ThreadPoolExecutor, as_completed\n"
        "local = threading_local = None\ncounter = itertools.count()\njobs: queue.Queue[int] = queue.Queue()\n"
        "with ThreadPoolExecutor(max_workers=2) as pool:\n    done = list(pool.map(math.sqrt, [1, 4]))\n"
    ),
    "a-parameter-named-like-a-builtin": "def run(compile, vars=None):\n    return compile(vars)\n",
}


@pytest.mark.parametrize("style", list(UNUSUAL_BUT_CORRECT))
def test_correct_code_in_unusual_styles_is_not_flagged(style):
    assert screen.screen(UNUSUAL_BUT_CORRECT[style], f"{EX06.stem}.py", EX06.stem) == []


#: construct: (source, a word the reason must hold)
SCREENED = {
    "pytest": ("import pytest\n", "imports pytest"),
    "a private name from threading": ("from threading import _shutdown\n", "private name _shutdown"),
    "a private module attribute": ("import threading\nthreading._os\n", "private attribute _os of threading"),
    "a reassigned library class": ("import threading\nthreading.Lock = object\n", "assigns to threading.Lock"),
    "an aliased library class changed": ("from threading import Lock as L\nL.acquire = None\n", "assigns to L.acquire"),
    "setattr on a module": ("import threading\nsetattr(threading, 'Lock', None)\n", "changes threading.Lock with setattr()"),
    "a computed getattr": ("def f(o, n):\n    return getattr(o, n)\n", "computed attribute name"),
    "__code__": ("def f():\n    pass\nf.__code__ = f.__code__\n", "__code__"),
    "__subclasses__": ("object.__subclasses__()\n", "__subclasses__"),
    "__dict__ by literal getattr": ("getattr(object, '__dict__')\n", "__dict__"),
    "__builtins__": ("__builtins__\n", "__builtins__"),
    "eval": ("eval('1')\n", "eval()"),
    "open": ("open('/etc/passwd')\n", "open()"),
    "exec passed on": ("run = exec\n", "exec()"),
    "threading.settrace": ("import threading\nthreading.settrace(None)\n", "settrace"),
    "sys.monitoring": ("import sys\nsys.monitoring\n", "monitoring"),
    "a generator's frame": ("(x for x in ()).gi_frame.f_back.f_globals\n", "gi_frame"),
    "a re-exported sys": ("from dataclasses import sys\n", "module sys"),
    "a format string's dunder": ("'{0.__globals__}'.format(len)\n", "format string"),
    "a relative import": ("from . import x\n", "relative import"),
}


@pytest.mark.parametrize("construct", list(SCREENED))
def test_the_screen_names_each_construct_with_its_file_and_line(construct):
    source, words = SCREENED[construct]
    reasons = screen.screen("import threading\n" + source, f"{EX06.stem}.py", EX06.stem)
    assert reasons and all(r.startswith(f"{EX06.stem}.py line ") for r in reasons), reasons
    assert any(words in r for r in reasons), reasons


def test_a_file_that_does_not_parse_is_left_to_its_run_and_one_too_deep_is_flagged():
    assert screen.screen("def broken(:\n", "x.py", EX06.stem) == []
    assert screen.screen(b"\xff\xfe", "x.py", EX06.stem) == []
    deep = screen.screen("x = " + "(" * 100_000 + ")" * 100_000 + "\n", "x.py", EX06.stem)
    assert deep == [] or "too deeply nested" in deep[0]
