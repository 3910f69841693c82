"""Gradebook exports, shards and merging, on results made by hand (no checks run here)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader import grading, reports
from grader.cli import main
from kata import catalogue, messages

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

C = grading.CheckResult


def result(name: str, scores: dict[str, tuple[str, list[C]]]) -> grading.SubmissionResult:
    exercises = []
    for number, (status, checks) in scores.items():
        passed = sum(c.status == "passed" for c in checks)
        score = round(10 * passed / len(checks), 2) if checks else 0.0
        exercises.append(grading.ExerciseResult(number, f"ex{number}_x", status, score, 10.0, checks))
    return grading.summarise(name, exercises)


ALICE = result(
    "alice",
    {
        "01": ("passed", [C("test_a", "passed"), C("test_b", "passed")]),
        "02": (
            "failed",
            [
                C("test_c", "failed", "expected 3, got 2"),
                C("test_d", "passed"),
                C("test_e", "passed"),
                C("test_h", "failed", messages.HIDDEN_FAILED.format(behaviour="counts twice"), True, "secret detail"),
            ],
        ),
    },
)
BOB = result("bob", {"01": ("timeout", [C("test_a", "timeout", "stopped"), C("test_b", "timeout", "stopped")]), "02": ("missing", [])})


def test_table_marks_statuses():
    text = reports.table([ALICE, BOB])
    assert "alice" in text and "15/20" in text
    assert "0 T" in text and "0 -" in text


def test_csv_gradebook_has_a_row_per_submission_and_a_column_per_exercise():
    rows = list(csv.reader(io.StringIO(reports.to_csv([ALICE, BOB]))))
    assert rows[0] == ["submission", "01 ex01_x", "02 ex02_x", "total", "max", "01 status", "02 status", "flags"]
    assert rows[1] == ["alice", "10", "5", "15", "20", "passed", "failed", ""]
    assert rows[2] == ["bob", "0", "0", "0", "20", "timeout", "missing", ""]


REASON = "ex01_x.py line 2: assigns to pytest.TestReport.failed, an attribute of an imported module"


def flagged() -> grading.SubmissionResult:
    carol = result("carol", {"01": ("passed", [C("test_a", "passed"), C("test_b", "passed")])})
    carol.exercises[0].flags = [REASON]
    return carol


def test_a_flagged_exercise_is_marked_in_the_table_the_csv_the_json_and_the_feedback():
    carol = flagged()
    assert "10!" in reports.table([carol]).splitlines()[1]
    rows = list(csv.reader(io.StringIO(reports.to_csv([carol]))))
    assert rows[1][-1] == f"01: {REASON}"
    assert reports.from_json(reports.to_json([carol]))[0].exercises[0].flags == [REASON]
    page = reports.feedback(carol)
    assert "passed (flagged)" in page and grading.FLAGGED.format(reasons=REASON) in page
    scope = reports.gradescope(carol)
    assert [t["max_score"] for t in scope["tests"] if t["name"].endswith("flagged for review")] == [0]
    assert scope["score"] == 10


def test_results_written_before_flags_existed_still_read_as_unflagged():
    data = json.loads(reports.to_json([ALICE]))
    for exercise in data["submissions"][0]["exercises"]:
        del exercise["flags"]
    assert reports.from_json(json.dumps(data))[0].exercises[0].flags == []


def test_gradescope_results_hide_hidden_checks_and_add_up():
    data = reports.gradescope(ALICE)
    assert data["score"] == 15
    assert round(sum(t["max_score"] for t in data["tests"]), 6) == 20
    hidden = [t for t in data["tests"] if t["name"].endswith("test_h")]
    assert hidden[0]["visibility"] == "after_published" and "secret detail" not in hidden[0]["output"]
    assert all({"name", "score", "max_score", "status", "output", "visibility"} <= t.keys() for t in data["tests"])
    missing = reports.gradescope(BOB)
    assert any("missing" in t["output"] for t in missing["tests"])


def test_feedback_explains_failures_without_hidden_details():
    page = reports.feedback(ALICE)
    assert page.startswith("# Feedback for alice") and "**Score: 15 / 20**" in page
    assert "expected 3, got 2" in page and "counts twice" in page and "secret detail" not in page
    assert "was not in the submission" in reports.feedback(BOB)


def test_json_round_trips():
    assert reports.from_json(reports.to_json([ALICE, BOB])) == [ALICE, BOB]


def test_write_all_writes_every_report(tmp_path):
    written = reports.write_all([ALICE, BOB], tmp_path / "out")
    names = {p.relative_to(tmp_path / "out").as_posix() for p in written}
    assert {"grades.json", "gradebook.csv", "gradescope/alice/results.json", "feedback/bob.md"} <= names


def test_shards_are_deterministic_disjoint_and_complete():
    folders = [Path(f"/s/{name}") for name in ["d", "a", "c", "b", "e"]]
    slices = [grading.shard(folders, k, 2) for k in (1, 2)]
    assert slices == [grading.shard(list(reversed(folders)), k, 2) for k in (1, 2)]
    assert sorted(p.name for s in slices for p in s) == ["a", "b", "c", "d", "e"]
    assert not set(slices[0]) & set(slices[1])


def test_merge_joins_shard_results(tmp_path, capsys):
    (tmp_path / "1.json").write_text(reports.to_json([BOB]))
    (tmp_path / "2.json").write_text(reports.to_json([ALICE]))
    assert main(["merge", str(tmp_path / "1.json"), str(tmp_path / "2.json"), "--json", str(tmp_path / "all.json"), "--csv", str(tmp_path / "all.csv")]) == 0
    merged = json.loads((tmp_path / "all.json").read_text())
    assert [s["submission"] for s in merged["submissions"]] == ["alice", "bob"]
    assert (tmp_path / "all.csv").read_text().count("\n") == 3


@pytest.mark.timeout(600)
def test_sharded_grading_from_the_command_line(tmp_path):
    for name in ("ann", "ben", "cy"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ex06_atomic_counter.py").write_text((catalogue.SOLUTIONS / "ex06_atomic_counter.py").read_text())
    outs = []
    for k in (1, 2):
        out = tmp_path / f"shard{k}.json"
        done = subprocess.run(
            [sys.executable, "-m", "grader", *(str(tmp_path / n) for n in ("ann", "ben", "cy")),
             "--shard", f"{k}/2", "--exercises", "06", "--public-only", "--json", str(out)],
            cwd=catalogue.ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "graded" in done.stderr  # progress
        outs.append(out)
    graded = sorted(s["submission"] for o in outs for s in json.loads(o.read_text())["submissions"])
    assert graded == ["ann", "ben", "cy"]


def test_the_class_report_lists_each_flagged_exercise_with_its_reasons():
    from grader import classreport

    page = classreport.html([ALICE, flagged()])
    section = page[page.index("Flagged for review") : page.index("Most common failing checks")]
    assert "carol" in section and "<td>flagged</td>" in section and "pytest.TestReport.failed" in section
    assert "No exercise was flagged" in classreport.html([ALICE])
