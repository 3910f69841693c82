"""The grader's command line: --version, --help, exit statuses, arguments checked before grading."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import grader
from grader import cli, formats, grading, reports
from kata import catalogue

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

C = grading.CheckResult
ALICE = grading.summarise("alice", [grading.ExerciseResult("06", "ex06_atomic_counter", "passed", 10.0, 10.0, [C("test_a", "passed")])])


@pytest.fixture
def no_grading(monkeypatch):
    """Any attempt to grade fails the test: these arguments must be refused first."""

    def refuse(*args, **kwargs):
        raise AssertionError("grading started before the arguments were checked")

    monkeypatch.setattr(grading, "grade_many", refuse)


def test_version_comes_from_the_package(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"threadkata grader {grader.__version__}"


def test_help_lists_the_commands_and_every_exit_status():
    done = subprocess.run([sys.executable, "-m", "grader", "--help"], cwd=catalogue.ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "merge SHARD.json" in done.stdout and "gradescope-zip" in done.stdout
    for status in (cli.GRADED, cli.USAGE, cli.PREFLIGHT, cli.INTERNAL):
        assert f"  {status}  " in done.stdout
    assert len({cli.GRADED, cli.USAGE, cli.PREFLIGHT, cli.INTERNAL}) == 4


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        (["--timeout", "-5"], "--timeout must be a positive number"),
        (["--timeout", "0"], "--timeout must be a positive number"),
        (["--timeout", "nan"], "--timeout must be a positive number"),
        (["--timeout", "soon"], "--timeout takes seconds"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--jobs", "two"], "--jobs takes a whole number"),
        (["--json", "{tmp}/no/such/folder/grades.json"], "does not exist"),
        (["--csv", "{tmp}"], "is a folder"),
        (["--out", "{tmp}/a-file/reports"], "is not a folder"),
        (["--exercism", "{tmp}/a-file"], "is not a folder"),
        (["--roster", "{tmp}/no-roster.csv"], "--roster"),
        (["--exercises", "99"], "no exercise"),
        (["--on-flag", "halve"], "--on-flag"),
    ],
)
def test_bad_arguments_are_usage_errors_before_any_grading(tmp_path, capsys, no_grading, extra, complaint):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "alice").mkdir()
    with pytest.raises(SystemExit) as stopped:
        cli.main([str(tmp_path / "alice"), *(e.format(tmp=tmp_path) for e in extra)])
    assert stopped.value.code == cli.USAGE
    assert complaint in capsys.readouterr().err


def test_output_folders_that_can_be_created_are_accepted(tmp_path, monkeypatch):
    monkeypatch.setattr(grading, "grade_many", lambda submissions, *a, **k: [grading.summarise(s.name, ALICE.exercises) for s in submissions])
    (tmp_path / "alice").mkdir()
    status = cli.main([str(tmp_path / "alice"), "--no-preflight", "--out", str(tmp_path / "new" / "deeper"), "--exercism", str(tmp_path / "ex")])
    assert status == cli.GRADED
    assert (tmp_path / "new" / "deeper" / "gradebook.csv").is_file() and (tmp_path / "ex" / "alice" / "results.json").is_file()


@pytest.mark.parametrize("choice", [[], ["--on-flag", "keep"], ["--on-flag", "zero"]])
def test_on_flag_reaches_the_grading_settings(tmp_path, monkeypatch, choice):
    seen = []
    monkeypatch.setattr(grading, "grade_many", lambda submissions, exercises, settings, **k: seen.append(settings) or [ALICE])
    (tmp_path / "alice").mkdir()
    assert cli.main([str(tmp_path / "alice"), "--no-preflight", "--exercises", "06", *choice]) == cli.GRADED
    assert [s.on_flag for s in seen] == [choice[1] if choice else "keep"]


def test_an_internal_error_prints_one_line_exits_4_and_still_writes_the_other_reports(tmp_path, capsys, monkeypatch):
    def broken(results):
        raise RuntimeError("the JUnit writer broke")

    monkeypatch.setattr(formats, "junit", broken)
    (tmp_path / "shard.json").write_text(reports.to_json([ALICE]))
    status = cli.main(
        [
            "merge",
            str(tmp_path / "shard.json"),
            "--junit",
            str(tmp_path / "j.xml"),
            "--json",
            str(tmp_path / "all.json"),
            "--prairielearn",
            str(tmp_path / "pl"),
        ]
    )
    assert status == cli.INTERNAL
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "internal error" in line]
    assert lines == ["grader: internal error: could not write --junit (RuntimeError: the JUnit writer broke)"]
    assert "Traceback" not in err
    assert json.loads((tmp_path / "all.json").read_text())["submissions"][0]["submission"] == "alice"
    assert (tmp_path / "pl" / "alice" / "results.json").is_file()


def test_an_unexpected_failure_is_one_line_and_exit_4(tmp_path, capsys, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyError("outcome")

    monkeypatch.setattr(grading, "grade_many", crash)
    (tmp_path / "alice").mkdir()
    assert cli.main([str(tmp_path / "alice"), "--no-preflight"]) == cli.INTERNAL
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("grader: internal error: KeyError") and "Traceback" not in err


def test_merge_refuses_a_file_that_is_not_a_results_file(tmp_path, capsys):
    (tmp_path / "notes.json").write_text('{"hello": 1}')
    with pytest.raises(SystemExit) as stopped:
        cli.main(["merge", str(tmp_path / "notes.json")])
    assert stopped.value.code == cli.USAGE and "not a results file" in capsys.readouterr().err
