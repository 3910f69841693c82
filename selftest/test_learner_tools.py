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

from kata import catalogue, learner

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
        wait_for("Watching for saved changes")
        (workspace / f"{EX06.stem}.py").write_text("# started, not finished\nclass Counter:\n    pass\n")
        wait_for(f"{EX06.stem}.py saved: checking exercise {EX06.number}")
        wait_for(f"Exercise {EX06.number} is not there yet")
        solve(workspace, EX06)
        wait_for(f"{EX06.stem}.py saved: checking exercise {EX06.number}")
        wait_for("checks passed")
        wait_for(f"Exercise {EX06.number} passes! Next:")
    finally:
        child.terminate()
        child.wait(10)
        os.close(leader)
