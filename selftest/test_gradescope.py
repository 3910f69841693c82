"""The Gradescope autograder: its zip's contents, its limits, and a real run of run_autograder.

setup.sh is not run here: it installs packages system-wide with apt and pip, which needs root and
the network and would change the machine; the run below uses the grader's own interpreter, which
has pytest and pytest-timeout (CI's: the pinned versions that setup.sh installs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from grader import gradescope
from kata import catalogue, settings

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

CHOSEN = [catalogue.find(n) for n in ("01", "02", "06")]
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags", "visibility", "extra_data"}
TOP_KEYS = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The autograder zip for exercises 01, 02 and 06, built from this checkout and unpacked."""
    folder = tmp_path_factory.mktemp("autograder")
    names = gradescope.build_zip(folder / "autograder.zip", CHOSEN, total_seconds=300)
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        archive.extractall(folder / "source")
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    for name in ("setup.sh", "run_autograder"):
        os.chmod(folder / "source" / name, modes[name] & 0o777)
    return folder, names, modes


def test_the_zip_has_setup_and_run_autograder_at_its_root_executable(autograder):
    _, names, modes = autograder
    assert {"setup.sh", "run_autograder", gradescope.CONFIG} <= set(names)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111


def test_the_zip_holds_hidden_checks_but_no_solutions_mutants_alternatives_or_maintainer_tools(autograder):
    _, names, _ = autograder
    assert "tests/hidden/test_ex06_atomic_counter_hidden.py" in names
    assert {f"tests/test_{e.stem}.py" for e in CHOSEN} <= set(names)
    assert not [n for n in names if n.startswith("tests/test_") and not any(e.stem in n for e in CHOSEN)]
    forbidden = ("solutions/", "mutants/", "alternatives/", "kata/maint/", "grader/bench.py", "selftest/")
    assert not [n for n in names if n.startswith(forbidden) or "__pycache__" in n]


def test_setup_pins_the_pytest_versions_the_kata_is_tested_with(autograder):
    folder, _, _ = autograder
    setup = (folder / "source" / "setup.sh").read_text()
    for name, version in settings.PINS.items():
        assert f"{name}=={version}" in setup
    assert setup.startswith("#!/usr/bin/env bash")


def test_memory_limit_is_a_safe_share_of_what_is_available(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  1000000 kB\nMemAvailable:  786432 kB\n")
    available = gradescope.available_memory(meminfo)
    assert available == 768 * 2**20  # Gradescope's default container
    assert gradescope.memory_limit(available) == int(768 * 2**20 * gradescope.MEMORY_SHARE)
    assert gradescope.memory_limit(64 * 2**40) == gradescope.MEMORY_CEILING
    assert gradescope.memory_limit(None) == gradescope.MEMORY_CEILING
    assert gradescope.available_memory(tmp_path / "absent") is None


def test_time_budget_keeps_every_exercise_inside_the_total():
    exercises, parts = 16, 2
    budget = gradescope.run_budget(gradescope.DEFAULT_TOTAL_SECONDS, exercises, parts)
    worst = exercises * (parts * budget + gradescope.COLLECT_SECONDS) + gradescope.RESERVE_SECONDS
    assert worst <= gradescope.DEFAULT_TOTAL_SECONDS
    assert gradescope.run_budget(10_000, 1, 1) == 60.0  # never more than the grader's own limit


@pytest.mark.timeout(600)
def test_run_autograder_grades_a_submission_one_folder_down_and_leaves_valid_results(autograder, tmp_path):
    folder, _, _ = autograder
    inner = tmp_path / "submission" / "my-work"
    inner.mkdir(parents=True)
    for exercise in (CHOSEN[0], CHOSEN[2]):
        (inner / f"{exercise.stem}.py").write_text((catalogue.SOLUTIONS / f"{exercise.stem}.py").read_text())
    (inner / f"{CHOSEN[1].stem}.py").write_text("def broken(:\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", catalogue.TARGET_ENV)}
    env["AUTOGRADER_ROOT"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, str(folder / "source" / "run_autograder")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=500,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert set(data) <= TOP_KEYS
    assert isinstance(data["execution_time"], int) and data["output_format"] == "md" and "points" in data["output"]
    by_exercise = {}
    for test in data["tests"]:
        assert set(test) <= TEST_KEYS and {"name", "score", "max_score", "number", "tags", "visibility", "status"} <= set(test)
        assert test["status"] in {"passed", "failed"} and test["visibility"] in gradescope.VISIBILITIES
        assert test["output_format"] == "md" and 0 <= test["score"] <= test["max_score"]
        by_exercise.setdefault(test["tags"][0], []).append(test)
    assert set(by_exercise) == {e.stem for e in CHOSEN}
    for exercise in (CHOSEN[0], CHOSEN[2]):
        tests = by_exercise[exercise.stem]
        assert all(t["status"] == "passed" for t in tests), [t["output"] for t in tests if t["status"] != "passed"]
        assert sum(t["score"] for t in tests) == pytest.approx(10, abs=0.01)
    assert all(t["status"] == "failed" and t["score"] == 0 for t in by_exercise[CHOSEN[1].stem])
    hidden = [t for t in by_exercise[CHOSEN[2].stem] if t["visibility"] != "visible"]
    assert hidden and all(t["visibility"] == gradescope.DEFAULT_HIDDEN_VISIBILITY for t in hidden)
    assert data["score"] == pytest.approx(20, abs=0.01)
    numbers = [t["number"] for t in data["tests"]]
    assert len(set(numbers)) == len(numbers)
    assert not list((tmp_path / "results").glob(".results-*"))  # every update was renamed into place


def test_a_submission_with_files_at_its_top_is_graded_there(tmp_path):
    (tmp_path / "ex06_atomic_counter.py").write_text("")
    (tmp_path / "notes").mkdir()
    assert gradescope.locate(tmp_path) == tmp_path
    (tmp_path / "ex06_atomic_counter.py").unlink()
    (tmp_path / "work" / "exercises").mkdir(parents=True)
    (tmp_path / "work" / "exercises" / "ex06_atomic_counter.py").write_text("")
    assert gradescope.locate(tmp_path) == tmp_path / "work"


def test_gradescope_zip_is_built_from_the_command_line(tmp_path, capsys):
    from grader import cli

    assert cli.main(["gradescope-zip", str(tmp_path / "ag.zip"), "--exercises", "06", "--hidden-visibility", "after_published"]) == 0
    with zipfile.ZipFile(tmp_path / "ag.zip") as archive:
        config = json.loads(archive.read(gradescope.CONFIG))
    assert config["exercises"] == ["06"] and config["hidden_visibility"] == "after_published"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["gradescope-zip", str(tmp_path / "ag.zip"), "--total-seconds", "5"])
    assert stopped.value.code == 2


def test_a_flagged_exercise_is_marked_in_the_results_summary_and_as_a_zero_point_test():
    from grader import grading

    checks = [grading.CheckResult("test_a", "passed")]
    flagged = grading.ExerciseResult("06", "ex06_atomic_counter", "passed", 10.0, 10.0, checks, flags=["ex06_atomic_counter.py line 3: imports gc"])
    data = gradescope.results([flagged], 1, 5.0, "visible")
    assert "passed (flagged for review)" in data["output"] and data["score"] == 10.0
    [marker] = [t for t in data["tests"] if t["name"].endswith("flagged for review")]
    assert marker["max_score"] == 0 and "imports gc" in marker["output"] and set(marker) <= TEST_KEYS
