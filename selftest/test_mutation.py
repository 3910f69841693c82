"""The concurrency mutation engine (kata/maint/mutation.py): its operators make the bugs they name."""

from __future__ import annotations

import ast
import textwrap
import threading
from pathlib import Path

import pytest

from kata import catalogue
from kata.maint import mutation
from kata.messages import Status
from kata.runner import run_checks
from kata.runner.rounds import round_of

pytestmark = pytest.mark.tooling


def mutants_for(tmp_path: Path, source: str, operator: str) -> list[mutation.Mutant]:
    path = tmp_path / "ex06_atomic_counter.py"
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return mutation.mutants_of(catalogue.find("06"), path, {operator})


def namespace_of(mutant: mutation.Mutant) -> dict:
    scope: dict = {}
    exec(compile(mutant.source, "mutant", "exec"), scope)  # noqa: S102 - the engine's own output
    return scope


def test_every_operator_applies_somewhere_in_the_kata_s_correct_answers():
    used = {m.operator for m in mutation.all_mutants(catalogue.all_exercises())}
    assert set(mutation.OPERATORS) - used == set()


def test_every_mutant_compiles_differs_from_its_origin_and_has_a_unique_id():
    mutants = mutation.all_mutants(catalogue.all_exercises())
    assert len(mutants) >= 300
    for m in mutants:
        compile(m.source, m.id, "exec")
        assert m.source != ast.unparse(ast.parse(m.origin.read_text(encoding="utf-8"))) + "\n", m.id
        assert m.diff.startswith("--- original"), m.id
    ids = [(m.exercise.stem, m.id) for m in mutants]
    assert len(ids) == len(set(ids))


def test_mutant_ids_do_not_move_when_the_file_gains_lines_elsewhere(tmp_path):
    original = (catalogue.SOLUTIONS / "ex09_bounded_buffer.py").read_text(encoding="utf-8")
    before = {m.id for m in mutants_for(tmp_path, original, "split_critical_section")}
    after = {
        m.id for m in mutants_for(tmp_path, '"""Edited."""\n\nimport os\n\n\ndef unrelated():\n    return os.sep\n\n\n' + original, "split_critical_section")
    }
    assert before and before == after


def test_remove_lock_unwraps_a_with_block_and_drops_an_acquire_release_pair(tmp_path):
    found = mutants_for(tmp_path, """
        import threading
        class Counter:
            def __init__(self):
                self._lock = threading.Lock()
                self.n = 0
            def a(self):
                with self._lock:
                    self.n += 1
            def b(self):
                self._lock.acquire()
                try:
                    self.n += 1
                finally:
                    self._lock.release()
        """, "remove_lock")
    assert sorted(m.function for m in found) == ["a", "b"]
    for m in found:
        body = m.source.split(f"def {m.function}(self):")[1].split("def ")[0]
        assert "_lock" not in body, m.diff


def test_drop_finally_still_cleans_up_before_a_return_but_not_after_an_exception(tmp_path):
    (m,) = mutants_for(tmp_path, """
        import threading
        lock = threading.Lock()
        def take(fail):
            lock.acquire()
            try:
                if fail:
                    raise ValueError(fail)
                return 'ok'
            finally:
                lock.release()
        """, "drop_finally")
    scope = namespace_of(m)
    assert scope["take"](False) == "ok" and not scope["lock"].locked()
    with pytest.raises(ValueError):
        scope["take"]("boom")
    assert scope["lock"].locked()  # the bug: an exception leaves the lock held


def test_while_to_if_stops_checking_the_condition_again_after_a_wakeup(tmp_path):
    (m,) = mutants_for(tmp_path, """
        import threading
        class Box:
            def __init__(self):
                self.cond = threading.Condition()
                self.items = []
            def get(self):
                with self.cond:
                    while not self.items:
                        self.cond.wait()
                    return self.items.pop()
        """, "while_to_if")
    assert "if not self.items:" in m.source and "while" not in m.source


def test_iterate_twice_leaves_a_generator_empty_for_the_real_use(tmp_path):
    (m,) = mutants_for(tmp_path, """
        def total(items):
            return sum(x for x in items)
        """, "iterate_twice")
    assert namespace_of(m)["total"](iter([1, 2, 3])) == 0
    assert namespace_of(m)["total"]([1, 2, 3]) == 6  # a list survives the extra read


def test_restart_timeout_waits_the_whole_timeout_after_every_wakeup(tmp_path):
    (m,) = mutants_for(tmp_path, """
        import threading, time
        def wait_for(cond, ready, timeout):
            deadline = time.monotonic() + timeout
            with cond:
                while not ready():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    cond.wait(left)
        """, "restart_timeout")
    assert "cond.wait(timeout)" in m.source


def test_equivalent_mutants_are_read_with_their_reasons(tmp_path, monkeypatch):
    folder = tmp_path / "ex06_atomic_counter"
    folder.mkdir()
    (folder / mutation.EQUIVALENT_FILE).write_text(
        "# reviewed\nsolution:swap_lock_kind:__init__:1  # nothing takes the lock twice, so an RLock behaves the same\n\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(catalogue, "MUTANTS", tmp_path)
    assert mutation.equivalents(catalogue.find("06")) == {"solution:swap_lock_kind:__init__:1": "nothing takes the lock twice, so an RLock behaves the same"}


def test_a_mutant_that_removes_the_counter_s_lock_is_killed_by_the_public_checks():
    (m,) = [m for m in mutation.mutants_of(catalogue.find("06"), catalogue.SOLUTIONS / "ex06_atomic_counter.py", {"remove_lock"}) if m.function == "_add"]
    outcome = mutation.run_mutant(m)
    assert outcome.killed_by == ["test_no_increment_is_lost"]  # the first check to fail; the rest of the run is skipped


def test_new_lock_per_call_really_gives_each_call_its_own_lock(tmp_path):
    (m,) = mutants_for(tmp_path, """
        import threading
        class C:
            def __init__(self):
                self._lock = threading.Lock()
            def held_twice(self):
                with self._lock:
                    return True
        """, "new_lock_per_call")
    c = namespace_of(m)["C"]()
    with c._lock:
        done = []
        worker = threading.Thread(target=lambda: done.append(c.held_twice()))
        worker.start()
        worker.join(2)
    assert done == [True]  # it did not wait for the object's own lock


def test_stopping_a_round_at_its_first_failure_skips_the_rest_of_that_round_only(tmp_path):
    (tmp_path / "ex01_start_thread.py").write_text("raise RuntimeError('broken on import')\n", encoding="utf-8")
    run = run_checks(catalogue.find("01"), tmp_path, rounds=2, forked=True, stop_round_at_first_failure=True)
    assert not run.tampered and len(run.collected) >= 4, run.output[-2000:]
    by_round: dict[int, list[Status]] = {0: [], 1: []}
    for nodeid in run.collected:  # collection order: each check's round0, then its round1
        by_round[round_of(nodeid)].append(run.tests[nodeid].outcome)
    for outcomes in by_round.values():
        assert outcomes[0] in (Status.FAILED, Status.ERROR) and set(outcomes[1:]) == {Status.SKIPPED}, by_round
