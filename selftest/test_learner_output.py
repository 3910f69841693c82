"""What a learner sees: stub messages, hints, the summary, lost thread exceptions, leftover threads."""

from __future__ import annotations

import queue
import shutil
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from kata import catalogue, messages
from kata.harness import calls

EX06 = catalogue.find("06")


def run_pytest(target, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(EX06.test_file), "--target", str(target), "-q", "-rN", *extra],  # as nox -s check-NN
        cwd=catalogue.ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def collected_checks(exercise) -> list[str]:
    """The check ids pytest collects for an exercise (written ones and those a scenario generates)."""
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", str(exercise.test_file), "--collect-only", "-q"],
        cwd=catalogue.ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return [line for line in listing.stdout.splitlines() if "::test_" in line]


def write_counter(folder, body: str):
    (folder / f"{EX06.stem}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


def test_untouched_stub_says_what_to_do_once_and_gives_the_first_hint():
    result = run_pytest(catalogue.EXERCISES)
    assert result.returncode == 1
    assert "is not written yet" in result.stdout and "still raises NotImplementedError" in result.stdout
    checks = len(collected_checks(EX06))
    assert result.stdout.count("is not written yet") == 1, result.stdout
    assert messages.SAME_FAILURE.format(count=checks - 1, checks="").rstrip(".") in result.stdout
    assert f"0/{checks} checks passed" in result.stdout and f"{checks} failed" in result.stdout, "the counts still count every check"
    assert "Hint: " + EX06.hints()[0].splitlines()[0] in result.stdout and "hint 1 of" in result.stdout


def run_mutant(tmp_path, exercise, mutant: str, *extra: str) -> subprocess.CompletedProcess:
    shutil.copyfile(catalogue.MUTANTS / exercise.stem / f"{mutant}.py", tmp_path / f"{exercise.stem}.py")
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(exercise.test_file), "--target", str(tmp_path), "-q", "-rN", *extra],
        cwd=catalogue.ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_hang_is_reported_once_and_later_checks_waiting_on_it_fail_at_once(tmp_path):
    ex07 = catalogue.find("07")
    result = run_mutant(tmp_path, ex07, "lock_taken_twice", "-k", "get_or_compute_stores or stored_none or a_factory_that_raises_caches")
    out = result.stdout
    assert out.count("can never return") == 1, out  # the first check proves the thread waits for itself and says where
    assert "for self._lock (a threading.Lock), which this same thread took at line" in out
    assert "Your code hung again where it hung in test_get_or_compute_stores_and_returns_the_factory_value" in out
    assert out.count("Your code hung again") == 1 and "1 more check(s) failed the same way" in out
    assert "3 failed" in out
    assert "Hint: Can a thread acquire a `threading.Lock` it already holds?" in out, "the hint for the failing checks"
    assert "non-daemon" not in result.stderr, "the stuck threads are the checks' own callers, not threads the learner started"


def test_checks_failing_for_one_cause_in_different_words_are_shown_once(tmp_path):
    ex01 = catalogue.find("01")
    result = run_mutant(tmp_path, ex01, "never_started")
    out = result.stdout
    checks = len(collected_checks(ex01))
    assert out.count("returned a thread that was never started") == 1, out  # each names its own call, one cause
    assert messages.SAME_FAILURE.format(count=checks - 1, checks="").rstrip(".") in out
    assert "Traceback" not in out and "RuntimeError" not in out, "no check joins the thread that was never started"
    assert f"{checks} failed" in out, "the counts still count every check"


def test_a_faked_sleep_is_not_called_busy_waiting(tmp_path):
    result = run_mutant(tmp_path, catalogue.find("10"), "sleep_instead_of_wait", "-k", "waiting_uses_no_cpu")
    assert "this check makes time.sleep() return at once" in result.stdout, result.stdout
    assert "busy-waiting" not in result.stdout


@pytest.mark.tooling  # the wording, not the threads: one interpreter is enough
def test_a_pool_whose_shutdown_hangs_is_not_said_to_skip_shutdown(tmp_path):
    result = run_mutant(tmp_path, catalogue.find("08"), "one_stop_signal", "-k", "with_block")
    assert "A `with WorkerPool(2) as pool:` block can never return" in result.stdout, result.stdout
    assert "Does __exit__ shut the pool down?" not in result.stdout
    assert "in shutdown: worker.join()" in result.stdout, "where the threads stood shows what shutdown waits for"


@pytest.mark.tooling  # the wording, not the threads: one interpreter is enough
def test_slow_transfers_are_not_called_a_deadlock(tmp_path):
    ex11 = catalogue.find("11")
    source = (catalogue.SOLUTIONS / f"{ex11.stem}.py").read_text()
    assert "def transfer(" in source
    slow = "def transfer(*args, **kwargs):\n    time.sleep(0.05)\n    return _transfer(*args, **kwargs)\n\n\ndef _transfer("
    source = source.replace("def transfer(", slow, 1)  # a global lock order, only slow
    (tmp_path / f"{ex11.stem}.py").write_text("import time\n" + source)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(ex11.test_file), "--target", str(tmp_path), "-q", "-rN", "-k", "many_transfers"],
        cwd=catalogue.ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "did not return within" in result.stdout, result.stdout
    assert "waiting for each other" not in result.stdout and "The lines below show where each transfer stood" in result.stdout


def test_passing_another_folder_says_so():
    result = run_pytest(catalogue.SOLUTIONS)
    assert result.returncode == 0, result.stdout
    assert messages.ALL_PASS_IN.format(folder=catalogue.SOLUTIONS) in result.stdout
    # In the learner's own exercises/ folder a pass points to the next exercise: see test_release.py.


def test_exception_escaping_a_thread_fails_the_check(tmp_path):
    shutil.copyfile(catalogue.SOLUTIONS / f"{EX06.stem}.py", tmp_path / f"{EX06.stem}.py")
    with open(tmp_path / f"{EX06.stem}.py", "a", encoding="utf-8") as module:
        module.write(textwrap.dedent("""
            _plain_init = Counter.__init__
            def _init(self, start=0):
                _plain_init(self, start)
                t = threading.Thread(target=lambda: 1 / 0, name="side-job")
                t.start()
                t.join()
            Counter.__init__ = _init
        """))
    result = run_pytest(tmp_path, "-k", "starts_at")
    assert result.returncode == 1
    assert "An exception escaped from thread 'side-job'" in result.stdout and "ZeroDivisionError" in result.stdout


def test_leftover_non_daemon_thread_cannot_hang_the_run(tmp_path):
    shutil.copyfile(catalogue.SOLUTIONS / f"{EX06.stem}.py", tmp_path / f"{EX06.stem}.py")
    with open(tmp_path / f"{EX06.stem}.py", "a", encoding="utf-8") as module:
        module.write("\nthreading.Thread(target=threading.Event().wait, name='forever').start()\n")
    result = run_pytest(tmp_path, "-k", "starts_at", timeout=30)
    assert "'forever'" in result.stderr and "non-daemon" in result.stderr
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [("def broken(:\n", "has a syntax error"), ("import no_such_module_here\n", "raised an error while being imported")],
    ids=["syntax-error", "import-error"],
)
def test_broken_module_is_reported_plainly(tmp_path, source, expected):
    write_counter(tmp_path, source)
    result = run_pytest(tmp_path)
    assert expected in result.stdout and "Traceback" not in result.stdout


def test_missing_file_is_named(tmp_path):
    result = run_pytest(tmp_path)
    assert messages.MISSING_FILE.format(file=f"{EX06.stem}.py", folder=tmp_path) in result.stdout


def test_learner_output_is_cut_to_a_readable_length(tmp_path):
    source = (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text()
    source = source.replace("        self._value = start\n", "        self._value = start + 1\n        print('chatter ' * 2000)\n")
    (tmp_path / f"{EX06.stem}.py").write_text(source)
    result = run_pytest(tmp_path, "-k", "starts_at")
    assert "Counter().value is 1, expected 0." in result.stdout
    assert "more characters of output cut" in result.stdout
    assert result.stdout.count("chatter") < 100


def test_thread_exception_is_shown_when_the_check_fails_anyway(tmp_path):
    source = (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text()
    source = source.replace(
        "        self._value = start\n",
        "        self._value = start + 1\n        t = threading.Thread(target=lambda: [][0], name='helper')\n        t.start()\n        t.join()\n",
    )
    (tmp_path / f"{EX06.stem}.py").write_text(source)
    result = run_pytest(tmp_path, "-k", "starts_at")
    assert "Counter().value is 1, expected 0." in result.stdout
    assert "Exceptions that escaped from threads" in result.stdout and "IndexError" in result.stdout


@pytest.mark.parametrize("kind", ["Event.wait()", "Thread.join()", "Queue.get()"])
def test_a_wait_nobody_can_end_fails_at_once(kind):
    calls.check_started("test_a_wait_nobody_can_end_fails_at_once")
    never, items = threading.Event(), queue.Queue()
    sleeper = threading.Thread(target=never.wait, name="sleeper", daemon=True)
    sleeper.start()
    waits = {"Event.wait()": never.wait, "Thread.join()": sleeper.join, "Queue.get()": items.get}
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failure:
        calls.outcome(waits[kind], what=kind, files=(), limit=10)
    never.set()
    items.put("the end")  # every wait ends, so the run can too
    assert f"{kind} can never return: every thread of this check has been waiting" in str(failure.value)
    assert time.monotonic() - started < 5, "the 10 s limit was not awaited"


def test_a_wait_with_a_timeout_is_given_its_whole_limit():
    calls.check_started("test_a_wait_with_a_timeout_is_given_its_whole_limit")
    never = threading.Event()
    with pytest.raises(pytest.fail.Exception) as failure:
        calls.outcome(never.wait, 30, what="never.wait(30)", files=(), limit=0.6)
    never.set()
    assert "never.wait(30) did not return within 0.6 s" in str(failure.value), "a timed wait may end by itself"
