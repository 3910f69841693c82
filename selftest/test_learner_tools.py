"""The learner's loop: progress, hints, solution reveal, reset and watch mode."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time

import pytest

from kata import catalogue, hints, learner
from kata.harness.wording import natural

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

EXERCISES = catalogue.all_exercises()
EX06 = catalogue.find("06")


@pytest.fixture
def workspace(tmp_path):
    """A learner's copy of the kata's exercises/ folder, all stubs."""
    target = tmp_path / "exercises"
    shutil.copytree(catalogue.EXERCISES, target)
    return target


def solve(target, exercise):
    shutil.copyfile(catalogue.SOLUTIONS / f"{exercise.stem}.py", target / f"{exercise.stem}.py")


def test_untouched_stub_is_recognised():
    for exercise in EXERCISES:
        assert learner.is_untouched((catalogue.EXERCISES / f"{exercise.stem}.py").read_text())
        assert not learner.is_untouched((catalogue.SOLUTIONS / f"{exercise.stem}.py").read_text())


def test_progress_shows_states_bar_and_next_and_caches_results(workspace, monkeypatch):
    solve(workspace, EX06)
    shutil.copyfile(EX06.mutants()[0], workspace / "ex07_safe_cache.py")  # edited, and wrong for 07
    text = learner.progress(workspace)
    assert f"✔ 06 {EX06.title}" in text
    assert "✘ 07" in text and "failing" in text
    assert f"· 01 {EXERCISES[0].title}" in text and "not started" in text
    assert f"1/{len(EXERCISES)} exercises done" in text and "[##" in text
    assert "Next: exercises/ex01_start_thread.py" in text
    calls = []
    monkeypatch.setattr(learner, "run_checks", lambda *a, **k: calls.append(a))
    assert learner.progress(workspace) == text
    assert calls == [], "unchanged files must not be checked again"


def test_hints_come_one_after_another(workspace):
    hints = EX06.hints()
    first, second = learner.next_hint(EX06, workspace), learner.next_hint(EX06, workspace)
    assert hints[0] in first and "Hint 1 of" in first
    assert hints[1] in second and "Hint 2 of" in second
    for _ in hints:
        last = learner.next_hint(EX06, workspace)
    assert hints[-1] in last and "last hint" in last


def test_a_hint_says_which_checks_it_is_for(tmp_path):
    path = tmp_path / "hints.md"
    path.write_text("# Exercise\n\n## Hint 1\nAny.\n\n## Hint 2 — for: snapshot, copy\nCopies.\n\n## Hint 3 - for: once\nOnce.\n")
    first, second, third = hints.read(path)
    assert (first.number, first.text, first.words) == (1, "Any.", ())
    assert second.words == ("snapshot", "copy") and third.words == ("once",)
    assert second.fits("test_snapshot_is_an_independent_copy") and not third.fits("test_snapshot_is_an_independent_copy")
    assert first.fits("test_anything"), "a hint for no check in particular fits every check"
    assert [h.number for h in hints.ordered([first, second, third], [])] == [1, 2, 3]
    assert [h.number for h in hints.ordered([first, second, third], ["test_called_once", "test_snapshot"])] == [3, 2, 1]


def test_a_failure_shows_the_hint_for_it_and_the_hint_command_goes_on_from_there(workspace):
    ex07 = catalogue.find("07")
    failing = ["test_a_stored_none_is_not_computed_again", "test_snapshot_is_an_independent_copy"]
    shown = hints.for_failure(ex07, workspace, failing)
    expected = hints.ordered(hints.read(ex07.hint_file), failing)
    assert shown == expected[0] and shown.fits(failing[0]) and shown.words, "the first hint written for the first failing check"
    following = [learner.next_hint(ex07, workspace) for _ in expected[1:]]
    assert [f"Hint {h.number} of" in text for h, text in zip(expected[1:], following)] == [True] * len(following)
    assert f"Hint {shown.number} of" not in "".join(following), "a hint the failure showed is not shown again"
    assert "last hint" in following[-1]


def test_an_older_hint_state_that_kept_a_count_still_reads(workspace):
    hints.state_file(workspace).parent.mkdir(parents=True)
    hints.state_file(workspace).write_text('{"%s": 1}' % EX06.stem)
    assert "Hint 2 of" in learner.next_hint(EX06, workspace)


def test_an_exercise_that_does_not_exist_is_one_line(capsys):
    assert learner.main(["hint", "99"]) == 2
    out = capsys.readouterr().out
    assert out.strip() == f"There is no exercise 99: the exercises are {EXERCISES[0].number} to {EXERCISES[-1].number}, for example `nox -s hint -- 01`."


def test_reset_with_no_answer_changes_nothing(workspace, monkeypatch):
    mine = workspace / f"{EX06.stem}.py"
    mine.write_text("# mine\n")
    monkeypatch.setattr(learner, "pristine_stub", lambda exercise, target: "# the stub\n")

    def end_of_input(prompt):
        raise EOFError

    message = learner.reset(EX06, workspace, yes=False, ask=end_of_input)
    assert "No answer, so nothing changed" in message and f"nox -s reset -- {EX06.number} --yes" in message
    assert mine.read_text() == "# mine\n"


def test_progress_checks_changed_exercises_at_once_and_says_so(workspace, monkeypatch):
    for exercise in EXERCISES[:2]:
        (workspace / f"{exercise.stem}.py").write_text("# edited\n")
    together = threading.Barrier(2, timeout=10)

    def checked(exercise, target):
        together.wait()  # both checks must be running at the same time to get past this
        return learner.FAILING

    monkeypatch.setattr(learner, "_checked", checked)
    told = []
    found = learner.statuses(EXERCISES, workspace, jobs=2, tell=told.append)
    assert found[EXERCISES[0].stem] == found[EXERCISES[1].stem] == learner.FAILING
    assert found[EXERCISES[2].stem] == learner.NOT_STARTED
    assert told[0] == f"Checking 2 changed exercise(s): {EXERCISES[0].number}, {EXERCISES[1].number} …"
    assert sorted(told[1:]) == sorted(f"  {e.number} {e.title}: failing (0 s)" for e in EXERCISES[:2])


def test_a_pass_is_remembered_for_the_next_exercise_line(workspace):
    solve(workspace, EX06)
    assert learner.known_status(EX06, workspace) is None, "edited and never checked: unknown without running"
    learner.remember_pass(EX06, workspace)
    assert learner.known_status(EX06, workspace) == learner.DONE
    assert learner.known_status(EXERCISES[0], workspace) == learner.NOT_STARTED


def test_a_long_failure_keeps_its_start_and_its_summary_on_screen():
    output = "".join(f"line {i}\n" for i in range(100))
    shown = learner.fitted(output, 30, "07").splitlines()
    assert shown[0] == "line 0" and shown[-1] == "line 99" and len(shown) <= 30
    assert "more lines: `nox -s check-07` shows them all" in "".join(shown)
    assert learner.fitted("short\n", 30, "07") == "short\n"


def test_thread_names_sort_by_their_numbers():
    assert sorted(["Thread-10", "Thread-4", "kata-worker-2.10", "kata-worker-2.9"], key=natural) == [
        "Thread-4", "Thread-10", "kata-worker-2.9", "kata-worker-2.10",
    ]  # fmt: skip


def test_solution_is_revealed_only_after_passing(workspace):
    shown, text = learner.reveal(EX06, workspace)
    assert not shown and "unlocks once every check passes" in text
    solve(workspace, EX06)
    shown, text = learner.reveal(EX06, workspace)
    assert shown and (catalogue.SOLUTIONS / f"{EX06.stem}.py").read_text() in text


def test_solution_withheld_says_so(workspace, monkeypatch, tmp_path):
    monkeypatch.setattr(catalogue, "SOLUTIONS", tmp_path / "no-solutions")
    shown, text = learner.reveal(EX06, workspace)
    assert not shown and "not included" in text


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_reset_restores_the_stub_and_keeps_a_backup(workspace):
    repo = workspace.parent
    git("init", "-q", cwd=repo)
    git("add", ".", cwd=repo)
    git("-c", "user.name=l", "-c", "user.email=l@example.invalid", "commit", "-qm", "kata", cwd=repo)
    mine = workspace / f"{EX06.stem}.py"
    stub = mine.read_text()
    solve(workspace, EX06)
    git("-c", "user.name=l", "-c", "user.email=l@example.invalid", "commit", "-qam", "my work", cwd=repo)
    mine.write_text("# my half-finished attempt\n")
    assert learner.reset(EX06, workspace, yes=False, ask=lambda prompt: "n") == "Nothing changed."
    assert mine.read_text() == "# my half-finished attempt\n"
    message = learner.reset(EX06, workspace, yes=False, ask=lambda prompt: "y")
    assert mine.read_text() == stub
    (backup,) = (repo / ".threadkata" / "backups").iterdir()
    assert backup.read_text() == "# my half-finished attempt\n" and str(backup) in message
    assert "already the original" in learner.reset(EX06, workspace, yes=True)


@pytest.mark.skipif(os.name != "posix", reason="uses a pseudo-terminal")
@pytest.mark.timeout(120)
def test_watch_reruns_on_save_and_moves_on(workspace):
    import pty

    for exercise in EXERCISES[: EXERCISES.index(EX06)]:
        solve(workspace, exercise)  # so 06 is the exercise being worked on
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "kata.learner", "--target", str(workspace), "watch", "--interval", "0.2"]
    child = subprocess.Popen(command, cwd=catalogue.ROOT, stdin=follower, stdout=follower, stderr=follower, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    os.close(follower)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            *done, buffer = buffer.split(b"\n")
            for line in done:
                lines.put(line.decode("utf-8", "replace"))

    threading.Thread(target=read, daemon=True).start()

    def wait_for(text: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        seen = []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"never saw {text!r}; output was:\n" + "\n".join(seen[-40:]))

    try:
        wait_for(f"Working on exercise {EX06.number}")
        wait_for("Watching for saved changes (h: next hint, q: quit)")
        os.write(leader, b"h")
        wait_for(f"Hint 1 of {len(EX06.hints())} for exercise {EX06.number}")
        (workspace / f"{EX06.stem}.py").write_text("# started, not finished\nclass Counter:\n    pass\n")
        wait_for(f"{EX06.stem}.py saved: checking exercise {EX06.number}")
        wait_for(f"Exercise {EX06.number} is not there yet")
        solve(workspace, EX06)
        wait_for(f"{EX06.stem}.py saved: checking exercise {EX06.number}")
        wait_for("checks passed")
        wait_for(f"Exercise {EX06.number} passes! Next:")
        os.write(leader, b"q")
        wait_for("Stopped watching.")
        assert child.wait(10) == 0
    finally:
        child.terminate()
        child.wait(10)
        os.close(leader)


# Windows and macOS: no Windows or macOS machine runs these tests, so each takes the POSIX
# facility away on Linux and runs real checks through the fallback the other system would use.


class WindowsOs:
    """The ``os`` module as a module sees it on Windows: ``name`` is "nt", no ``killpg`` or ``setsid``.

    Handed to one module only (setting ``os.name`` for the whole process would break pathlib).
    """

    name = "nt"

    def __getattr__(self, attribute):
        if attribute in ("killpg", "setsid"):
            raise AttributeError(attribute)
        return getattr(os, attribute)


@pytest.fixture
def like_windows(monkeypatch):
    """No pipes by number, no process groups: the runner sees Windows' ``os``, and ``os.killpg``/``os.setsid`` are gone.

    Yields the keyword arguments of every ``Popen`` the runner made, to show none asked for a POSIX facility.
    """
    from kata.runner import processes

    made: list[dict] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        made.append(kwargs)
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(processes, "os", WindowsOs())
    monkeypatch.delattr(os, "killpg")
    monkeypatch.delattr(os, "setsid")
    monkeypatch.setattr(subprocess, "Popen", popen)
    assert not processes.can_pass_fds() and not processes.has_process_groups()
    yield made
    monkeypatch.undo()


def test_checks_run_without_pass_fds_or_process_groups(workspace, like_windows):
    from kata.runner import ALL, run_checks

    solve(workspace, EX06)
    run = run_checks(EX06, workspace, which=ALL)
    assert run.collected and not run.failures_by_round(1)[0] and run.returncode == 0, run.output[-2000:]
    assert {t.outcome for t in run.tests.values()} == {"passed"}
    runner_calls = [k for k in like_windows if k.get("cwd") is not None]
    assert runner_calls and all("pass_fds" not in k and not k.get("start_new_session") for k in runner_calls), runner_calls
    shutil.copyfile(EX06.mutants()[0], workspace / f"{EX06.stem}.py")
    assert run_checks(EX06, workspace).failures_by_round(1)[0], "a mutant must fail through the report file too"


@pytest.mark.timeout(120)
def test_a_hung_run_is_ended_without_process_groups(workspace, like_windows):
    from kata.runner import run_checks

    (workspace / f"{EX06.stem}.py").write_text("import time\ntime.sleep(600)\n")
    started = time.monotonic()
    run = run_checks(EX06, workspace, timeout=3)
    assert run.timed_out and time.monotonic() - started < 30
    assert run.failures_by_round(1)[0], "a run that never reported passes nothing"


def test_progress_works_without_pass_fds_or_process_groups(workspace, like_windows):
    solve(workspace, EX06)
    text = learner.progress(workspace)
    assert f"✔ 06 {EX06.title}" in text and f"1/{len(EXERCISES)} exercises done" in text


class NoAddressSpaceLimit:
    """A ``resource`` module as on macOS: RLIMIT_AS exists, but setting it raises."""

    RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE = 0, 9, 1

    def __init__(self) -> None:
        self.set: list[tuple[int, tuple[int, int]]] = []

    def setrlimit(self, which, limits):
        if which == self.RLIMIT_AS:
            raise ValueError("current limit exceeds maximum limit")
        self.set.append((which, limits))


def test_a_limit_the_system_refuses_is_skipped_and_said_once(capsys):
    from kata.runner import sandbox

    fake = NoAddressSpaceLimit()
    assert sandbox.apply_limits({"cpu": "60", "mem": "1000", "fsize": "2000"}, fake) == ["mem"]
    assert fake.set == [(fake.RLIMIT_CPU, (60, 60)), (fake.RLIMIT_FSIZE, (2000, 2000))]
    err = capsys.readouterr().err
    assert err.count("threadkata: this system cannot apply") == 1 and "mem" in err and "ValueError" in err
    assert sandbox.apply_limits({"cpu": "60", "mem": "1000"}, None) == ["cpu", "mem"]
    assert capsys.readouterr().err.count("no resource module") == 1


def test_the_sandbox_runs_its_command_when_a_limit_is_refused(tmp_path):
    """The child really starts with the other limits applied, as it would on macOS."""
    script = (
        "import resource, sys\n"
        "from kata.runner import sandbox\n"
        "class Mac:\n"
        "    RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_AS = resource.RLIMIT_CPU, resource.RLIMIT_FSIZE, resource.RLIMIT_AS\n"
        "    def setrlimit(self, which, limits):\n"
        "        if which == resource.RLIMIT_AS:\n"
        "            raise ValueError('not on this system')\n"
        "        resource.setrlimit(which, limits)\n"
        "sandbox._resource = Mac\n"
        "sandbox.main(sys.argv[1:])\n"
    )
    probe = "import resource; print('cpu limit', resource.getrlimit(resource.RLIMIT_CPU)[0])"
    done = subprocess.run(
        [sys.executable, "-c", script, "cpu=77", "mem=1000", "--", sys.executable, "-c", probe],
        cwd=catalogue.ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "cpu limit 77" in done.stdout, done.stdout + done.stderr
    assert done.stderr.count("cannot apply the mem limit") == 1, done.stderr


class FakeStream:
    def __init__(self, tty: bool, encoding: str = "utf-8") -> None:
        self.tty, self.encoding = tty, encoding

    def isatty(self) -> bool:
        return self.tty


def test_the_screen_is_cleared_only_where_the_console_obeys_escape_codes(monkeypatch):
    monkeypatch.delenv("TERM", raising=False)
    assert learner.console_supports_ansi(FakeStream(tty=True))
    assert not learner.console_supports_ansi(FakeStream(tty=False)), "a pipe or a file gets no escape codes"
    monkeypatch.setenv("TERM", "dumb")
    assert not learner.console_supports_ansi(FakeStream(tty=True))
    monkeypatch.delenv("TERM")
    monkeypatch.setattr(learner, "os", WindowsOs())
    monkeypatch.setitem(sys.modules, "colorama", None)  # no colorama, and no SetConsoleMode on Linux
    assert not learner.console_supports_ansi(FakeStream(tty=True)), "a Windows console without VT mode"


def test_marks_fall_back_to_ascii_on_a_legacy_code_page(workspace):
    assert learner.marks_for(FakeStream(tty=True, encoding="cp1252")) == learner.ASCII_MARKS
    assert learner.marks_for(FakeStream(tty=True)) == learner.MARKS
    text = learner.progress(workspace, learner.ASCII_MARKS)
    assert f". 01 {EXERCISES[0].title}" in text
    text.encode("cp1252")


def test_watch_on_a_console_without_escape_codes_prints_none(workspace, monkeypatch, capsys):
    monkeypatch.setattr(learner, "console_supports_ansi", lambda stream=None: False)
    monkeypatch.setattr(learner, "run_visible", lambda exercise, target: False)
    monkeypatch.setattr(learner, "status", lambda exercise, target, use_cache=True: learner.NOT_STARTED)
    path = workspace / f"{EX06.stem}.py"
    edits = iter(["# one\n", "# two\n"])
    real_sleep = time.sleep

    def sleep_then_edit(seconds):
        real_sleep(0.01)
        path.write_text(next(edits, "# two\n"))

    monkeypatch.setattr(learner.time, "sleep", sleep_then_edit)
    learner.watch(workspace, interval=0, clear=True, cycles=2)
    out = capsys.readouterr().out
    assert f"checking exercise {EX06.number}" in out and "\033" not in out
