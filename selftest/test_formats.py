"""Exercism, JUnit and PrairieLearn results, the gradebook's roster and status columns, merging by
exercise id, and the writers' defences against spreadsheet formulas and fence-breaking messages.

Each format is checked against the fields its own documentation defines (see grader/formats.py
for the sources): required keys, types, allowed values, and XML that parses back.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from grader import formats, grading, reports
from grader.cli import main
from kata import catalogue, messages

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

C = grading.CheckResult
EX06 = catalogue.find("06")
PUBLIC_CHECK = next(iter(formats.check_sources(EX06.stem)))


def exercise(number: str, stem: str, status: str, checks: list[C], weight: float = 10.0) -> grading.ExerciseResult:
    passed = sum(c.status == "passed" for c in checks)
    return grading.ExerciseResult(number, stem, status, round(weight * passed / len(checks), 2) if checks else 0.0, weight, checks, 1.5)


ALICE = grading.summarise("alice", [
    exercise("01", "ex01_start_thread", "passed", [C("test_a", "passed"), C("test_b", "passed")]),
    exercise("06", EX06.stem, "failed", [C(PUBLIC_CHECK, "failed", "expected 3, got 2"), C("test_d", "passed"),
                                         C("test_h", "failed", messages.HIDDEN_FAILED.format(behaviour="counts twice"), True, "secret detail")]),
])  # fmt: skip
BOB = grading.summarise("bob", [
    exercise("01", "ex01_start_thread", "timeout", [C("test_a", "timeout", "stopped after 60 s"), C("test_b", "timeout", "stopped after 60 s")]),
    exercise("06", EX06.stem, "missing", []),
])  # fmt: skip
NOBODY = grading.summarise("nobody", [exercise("01", "ex01_start_thread", "missing", []), exercise("06", EX06.stem, "missing", [])])


# Exercism: interface.md, version 3 ------------------------------------------------------------


def assert_exercism_v3(data: dict) -> None:
    assert data["version"] == 3
    assert data["status"] in {"pass", "fail", "error"}
    if data["status"] == "error":
        assert isinstance(data["message"], str) and data["message"]
    else:
        assert data.get("message") is None  # "set the value to null or omit the key"
        assert isinstance(data["tests"], list) and data["tests"]
    for test in data["tests"]:
        assert set(test) <= {"name", "status", "message", "output", "test_code", "task_id"}
        assert isinstance(test["name"], str) and test["name"]
        assert test["status"] in {"pass", "fail", "error"}
        if test["status"] == "pass":
            assert "message" not in test
        else:
            assert isinstance(test["message"], str) and test["message"]
        assert isinstance(test.get("test_code", ""), str)
        assert isinstance(test.get("output", ""), str) and len(test.get("output", "")) <= 500
        assert type(test["task_id"]) is int
    statuses = {t["status"] for t in data["tests"]}
    if data["status"] == "pass":
        assert statuses == {"pass"}
    if data["status"] == "fail":
        assert statuses & {"fail", "error"} and statuses != {"error"}


@pytest.mark.parametrize("result", [ALICE, BOB, NOBODY], ids=["partial", "timeout-and-missing", "nothing-submitted"])
def test_exercism_results_follow_the_v3_interface(result):
    assert_exercism_v3(formats.exercism(result))


def test_exercism_results_tie_checks_to_their_exercise_and_keep_hidden_checks_hidden():
    data = formats.exercism(ALICE)
    assert data["status"] == "fail"
    assert [t["task_id"] for t in data["tests"]] == [1, 1, 6, 6, 6]
    public = next(t for t in data["tests"] if t["name"].endswith(PUBLIC_CHECK))
    assert public["message"] == "expected 3, got 2" and public["test_code"].strip()
    assert "def " not in public["test_code"].splitlines()[0]  # the body, as the interface asks
    hidden = next(t for t in data["tests"] if t["name"].endswith("test_h"))
    assert "counts twice" in hidden["message"] and "secret detail" not in json.dumps(data) and "test_code" not in hidden


def test_exercism_reports_an_error_only_when_nothing_ran():
    assert formats.exercism(BOB)["status"] == "fail"  # a missing file fails; a timeout errors
    timed_out = grading.summarise("t", [BOB.exercises[0]])
    assert formats.exercism(timed_out)["status"] == "error"
    assert "stopped after 60 s" in formats.exercism(timed_out)["message"]


# JUnit XML ------------------------------------------------------------------------------------


def test_junit_xml_parses_back_with_a_suite_per_exercise_and_a_case_per_check(tmp_path):
    weird = grading.summarise("zoë", [exercise("06", EX06.stem, "failed", [C("test_x", "failed", "bad \x00\x1b[31m byte \udce9 and ]]> and <tags> & more")])])
    root = ET.fromstring(formats.junit([ALICE, BOB, weird]).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "alice: 01 start thread",
        "alice: 06 atomic counter",
        "bob: 01 start thread",
        "bob: 06 atomic counter",
        "zoë: 06 atomic counter",
    ]
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors")) == sum(c.find("error") is not None for c in cases)
        assert float(suite.get("time")) == 1.5
        assert all(c.get("name") and c.get("classname") for c in cases)
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites) == 2 + 3 + 2 + 1 + 1
    assert int(root.get("failures")) == 2 + 1 + 1 and int(root.get("errors")) == 2
    timeout = suites[2].find("testcase").find("error")
    assert timeout.get("type") == "timeout" and timeout.text == "stopped after 60 s"
    assert "<tags> & more" in suites[4].find("testcase").find("failure").text
    assert "secret detail" not in formats.junit([ALICE])


# PrairieLearn: externalGrading.md -------------------------------------------------------------


def assert_prairielearn(data: dict) -> None:
    assert isinstance(data.get("gradable", True), bool)
    if data.get("gradable", True) is False:
        assert data["format_errors"] and all(isinstance(e, str) for e in data["format_errors"])
        return
    assert isinstance(data["score"], float | int) and 0.0 <= data["score"] <= 1.0
    for test in data["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["message"], str) and isinstance(test["description"], str)
        assert isinstance(test["points"], float | int) and isinstance(test["max_points"], float | int)
        assert 0 <= test["points"] <= test["max_points"]
    assert len(json.dumps(data).encode()) < 2**20  # PrairieLearn's 1 MB limit


@pytest.mark.parametrize("result", [ALICE, BOB, NOBODY], ids=["partial", "timeout-and-missing", "nothing-submitted"])
def test_prairielearn_results_follow_the_external_grading_format(result):
    assert_prairielearn(formats.prairielearn(result))


def test_prairielearn_score_is_the_fraction_of_points_and_tests_add_up():
    data = formats.prairielearn(ALICE)
    assert data["gradable"] is True and data["score"] == pytest.approx(ALICE.score / ALICE.max_score)
    assert sum(t["max_points"] for t in data["tests"]) == pytest.approx(ALICE.max_score, abs=0.01)
    assert sum(t["points"] for t in data["tests"]) == pytest.approx(ALICE.score, abs=0.01)
    assert formats.prairielearn(NOBODY)["gradable"] is False


def test_every_format_is_written_from_the_command_line(tmp_path, capsys):
    (tmp_path / "grades.json").write_text(reports.to_json([ALICE, BOB]))
    outputs = ["--exercism", str(tmp_path / "ex"), "--junit", str(tmp_path / "junit.xml"), "--prairielearn", str(tmp_path / "pl")]
    assert main(["merge", str(tmp_path / "grades.json"), *outputs]) == 0
    for name in ("alice", "bob"):
        assert_exercism_v3(json.loads((tmp_path / "ex" / name / "results.json").read_text()))
        assert_prairielearn(json.loads((tmp_path / "pl" / name / "results.json").read_text()))
    assert ET.parse(tmp_path / "junit.xml").getroot().tag == "testsuites"


# The gradebook: roster, statuses, formulas; Markdown fences -----------------------------------


def test_gradebook_joins_the_roster_and_has_a_status_column_per_exercise(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("folder,student_id,name,email\nalice,s001,Alice Liddell,alice@example.org\n", encoding="utf-8")
    rows = list(csv.reader(io.StringIO(reports.to_csv([ALICE, BOB], reports.read_roster(roster)))))
    people = ["submission", "student_id", "name", "email"]
    assert rows[0] == [*people, "01 ex01_start_thread", f"06 {EX06.stem}", "total", "max", "01 status", "06 status", "flags"]
    assert rows[1] == ["alice", "s001", "Alice Liddell", "alice@example.org", "10", "3.33", "13.33", "20", "passed", "failed", ""]
    assert rows[2] == ["bob", "", "", "", "0", "0", "0", "20", "timeout", "missing", ""]


def test_a_flagged_exercise_says_so_in_exercism_junit_and_prairielearn():
    reason = "ex06_atomic_counter.py line 1: imports gc"
    carol = grading.summarise("carol", [exercise("06", EX06.stem, "passed", [C("test_a", "passed")])])
    carol.exercises[0].flags = [reason]
    tests = formats.exercism(carol)["tests"]
    assert [t["status"] for t in tests if t["name"].endswith("flagged for review")] == ["fail"] and reason in tests[0]["message"]
    root = ET.fromstring(formats.junit([carol]))
    assert [p.get("value") for p in root.iter("property")] == [reason]
    learn = formats.prairielearn(carol)
    assert [t["max_points"] for t in learn["tests"] if reason in t["message"]] == [0] and learn["score"] == 1.0


def test_a_roster_without_a_folder_column_is_refused(tmp_path):
    (tmp_path / "roster.csv").write_text("id,name\n1,Ann\n")
    with pytest.raises(ValueError, match="folder"):
        reports.read_roster(tmp_path / "roster.csv")


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)"])
def test_gradebook_cells_cannot_start_a_spreadsheet_formula(name):
    hostile = grading.summarise(name, ALICE.exercises)
    rows = list(csv.reader(io.StringIO(reports.to_csv([hostile]))))
    assert rows[1][0] == "'" + name
    assert rows[1][1:] == list(csv.reader(io.StringIO(reports.to_csv([ALICE]))))[1][1:]


def test_a_message_holding_backticks_cannot_close_the_feedback_fence():
    message = "look:\n```\n# Injected heading\n````` and more"
    page = reports.feedback(grading.summarise("eve", [exercise("06", EX06.stem, "failed", [C("test_x", "failed", message)])]))
    fence = "`" * 6
    assert f"{fence}\n{message}\n{fence}" in page
    opened = page.index(fence)
    assert "# Injected heading" in page[opened : page.index(fence, opened + 1)]


# Merging shards ------------------------------------------------------------------------------


def test_merge_refuses_shards_graded_on_different_exercises(tmp_path, capsys):
    # Before merge joined by exercise id, this merge succeeded and put carol's exercise-06 score
    # under the exercise-01 column of the gradebook.
    carol = grading.summarise("carol", [exercise("06", EX06.stem, "passed", [C("test_d", "passed")])])
    (tmp_path / "1.json").write_text(reports.to_json([ALICE]))
    (tmp_path / "2.json").write_text(reports.to_json([carol]))
    with pytest.raises(SystemExit) as stopped:
        main(["merge", str(tmp_path / "1.json"), str(tmp_path / "2.json"), "--csv", str(tmp_path / "all.csv")])
    assert stopped.value.code == 2
    assert "different exercises" in capsys.readouterr().err
    assert not (tmp_path / "all.csv").exists()


def test_merge_refuses_shards_graded_with_different_weights(tmp_path, capsys):
    heavier = grading.summarise("dan", [exercise("01", "ex01_start_thread", "passed", [C("test_a", "passed")], 20.0), ALICE.exercises[1]])
    (tmp_path / "1.json").write_text(reports.to_json([ALICE]))
    (tmp_path / "2.json").write_text(reports.to_json([heavier]))
    with pytest.raises(SystemExit):
        main(["merge", str(tmp_path / "1.json"), str(tmp_path / "2.json")])
    assert "weights" in capsys.readouterr().err


def test_gradebook_columns_follow_exercise_ids_not_positions():
    carol = grading.summarise("carol", [exercise("06", EX06.stem, "passed", [C("test_d", "passed")])])
    rows = list(csv.DictReader(io.StringIO(reports.to_csv([ALICE, carol]))))
    assert rows[1]["01 ex01_start_thread"] == "" and rows[1][f"06 {EX06.stem}"] == "10"
