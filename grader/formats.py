"""Results in the formats other platforms read: Exercism results.json v3, JUnit XML, PrairieLearn.

Each writer uses the standard library only and follows the format's documented fields:

- Exercism's test-runner interface (exercism/docs, building/tooling/test-runners/interface.md):
  ``version`` 3, ``status`` pass/fail/error, a top-level ``message`` only when the status is
  ``error``, ``tests`` in the test file's order, each with ``name``, ``status`` pass/fail/error,
  ``message`` only when it did not pass, ``test_code`` and a numeric ``task_id``.
- JUnit XML as CI systems read it (Jenkins, GitLab, GitHub reporters): ``testsuites`` holding
  one ``testsuite`` per (submission, exercise) with ``tests``/``failures``/``errors``/``time``,
  one ``testcase`` per check with a ``failure`` or ``error`` element when it did not pass.
- PrairieLearn's external grading results (docs/externalGrading.md): ``gradable``, ``score``
  in [0, 1], ``message``, and ``tests`` with ``name``, ``description``, ``points``,
  ``max_points`` and ``message``; the file stays under PrairieLearn's 1 MB limit.

The grader captures no learner output per check, so no writer fills an ``output`` field. A
hidden check carries only the learner-visible message (its behaviour), never its code or the
instructor's detail. A flagged exercise (``ExerciseResult.flags``) says so in every format: an
Exercism test ``…: flagged for review`` that fails, a JUnit ``property`` per reason on its
testsuite, and a PrairieLearn test worth 0 points with the reasons.
"""

from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from grader.grading import FLAGGED, CheckResult, ExerciseResult, SubmissionResult, file_names
from kata import catalogue
from kata.messages import Status

#: Longest message any writer here copies from a check, in characters.
MESSAGE_CAP = 3000

#: Characters XML 1.0 cannot hold, even escaped (C0 controls but tab, newline, return; lone surrogates).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

#: Exercism's per-test statuses, from the grader's.
EXERCISM_STATUS = {"passed": "pass", "failed": "fail", "timeout": "error", "error": "error", "missing": "fail"}


def exercise_label(exercise: ExerciseResult) -> str:
    """``06 atomic counter``: the exercise's number and title."""
    return f"{exercise.id} {exercise.stem.split('_', 1)[-1].replace('_', ' ')}"


def missing_text(exercise: ExerciseResult) -> str:
    return f"{exercise.stem}.py was not in the submission."


def flag_text(exercise: ExerciseResult) -> str:
    return capped(FLAGGED.format(reasons="; ".join(exercise.flags)))


def capped(text: str) -> str:
    return text if len(text) <= MESSAGE_CAP else text[: MESSAGE_CAP - 1] + "…"


@lru_cache(maxsize=None)
def check_sources(stem: str) -> dict[str, str]:
    """Each public check of ``stem``: the source of its body, by function name (empty if unknown)."""
    path = catalogue.TESTS / f"test_{stem}.py"
    if not path.is_file():
        return {}
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            body = node.body[1:] if ast.get_docstring(node) and len(node.body) > 1 else node.body
            lines = source.splitlines()[body[0].lineno - 1 : body[-1].end_lineno]
            indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
            found[node.name] = "\n".join(line[indent:] for line in lines)
    return found


# Exercism ---------------------------------------------------------------------------------


def exercism(result: SubmissionResult) -> dict:
    """Exercism's results.json (version 3) for one submission; each exercise is a task."""
    tests = []
    for exercise in result.exercises:
        task = int(exercise.id)
        if exercise.flags:
            tests.append({"name": f"{exercise_label(exercise)}: flagged for review", "status": "fail", "message": flag_text(exercise), "task_id": task})
        if exercise.status == Status.MISSING:
            tests.append({"name": f"{exercise_label(exercise)}: the file is there", "status": "fail", "message": missing_text(exercise), "task_id": task})
            continue
        for check in exercise.tests:
            entry: dict = {"name": f"{exercise_label(exercise)}: {check.name}", "status": EXERCISM_STATUS.get(str(check.status), "error")}
            if entry["status"] != "pass":
                entry["message"] = capped(check.message) or f"this check {check.status}"
            code = None if check.hidden else check_sources(exercise.stem).get(check.name)
            if code:
                entry["test_code"] = code
            entry["task_id"] = task
            tests.append(entry)
    statuses = {t["status"] for t in tests}
    data: dict = {"version": 3}
    if not tests or statuses == {"error"}:
        data["status"] = "error"
        data["message"] = "; ".join(dict.fromkeys(t.get("message", "") for t in tests)) or "no exercise was graded"
    else:
        data["status"] = "pass" if statuses == {"pass"} else "fail"
    data["tests"] = tests
    return data


# JUnit ------------------------------------------------------------------------------------


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return XML_ILLEGAL.sub("\ufffd", text)


def junit(results: list[SubmissionResult]) -> str:
    """One JUnit XML document: a testsuite per (submission, exercise), a testcase per check."""
    root = ET.Element("testsuites", name="threadkata")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for result in results:
        for exercise in result.exercises:
            suite = ET.SubElement(root, "testsuite", name=xml_text(f"{result.submission}: {exercise_label(exercise)}"))
            counts = {"tests": 0, "failures": 0, "errors": 0}
            if exercise.flags:
                properties = ET.SubElement(suite, "properties")
                for reason in exercise.flags:
                    ET.SubElement(properties, "property", name="flagged for review", value=xml_text(capped(reason)))
            checks = exercise.tests or [CheckResult("the file is there", "missing", missing_text(exercise))]
            for check in checks:
                case = ET.SubElement(suite, "testcase", name=xml_text(check.name), classname=xml_text(f"{result.submission}.{exercise.stem}"))
                counts["tests"] += 1
                status = str(check.status)
                if status != "passed":
                    kind = "error" if status in ("error", "timeout") else "failure"
                    counts["errors" if kind == "error" else "failures"] += 1
                    text = xml_text(capped(check.message))
                    element = ET.SubElement(case, kind, message=text.splitlines()[0] if text else status, type=status)
                    element.text = text
            suite.set("tests", str(counts["tests"]))
            suite.set("failures", str(counts["failures"]))
            suite.set("errors", str(counts["errors"]))
            suite.set("time", f"{exercise.seconds:.3f}")
            for key in totals:
                totals[key] += counts[key]
            seconds += exercise.seconds
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# PrairieLearn -----------------------------------------------------------------------------


def prairielearn(result: SubmissionResult) -> dict:
    """PrairieLearn's results.json for one submission: score in [0, 1], a test per check.

    A submission without any exercise file is ``gradable: false`` (PrairieLearn then costs the
    student no attempt); one that fails to import still is gradable, since its other files score.
    """
    if all(e.status == Status.MISSING for e in result.exercises):
        return {"gradable": False, "format_errors": [missing_text(e) for e in result.exercises] or ["no exercise was graded"]}
    tests = []
    for exercise in result.exercises:
        checks = exercise.tests or [CheckResult("the file is there", "missing", missing_text(exercise))]
        each = exercise.max_score / len(checks)
        if exercise.flags:
            label = exercise_label(exercise)
            flagged = {"name": f"{label}: flagged for review", "description": f"exercise {label}", "points": 0, "max_points": 0}
            tests.append({**flagged, "message": flag_text(exercise)})
        for check in checks:
            passed = check.status == Status.PASSED
            tests.append({
                "name": f"{exercise_label(exercise)}: {check.name}",
                "description": f"exercise {exercise_label(exercise)}" + (" (hidden check)" if check.hidden else ""),
                "points": round(each if passed else 0.0, 4),
                "max_points": round(each, 4),
                "message": "passed" if passed else capped(check.message) or str(check.status),
            })  # fmt: skip
    score = result.score / result.max_score if result.max_score else 0.0
    return {"gradable": True, "score": round(min(1.0, max(0.0, score)), 6), "message": f"{result.score:g} / {result.max_score:g} points", "tests": tests}


def write_per_submission(results: list[SubmissionResult], folder: Path, build) -> list[Path]:
    """``folder/<name>/results.json`` for each submission, from ``build(result)``; <name> is the
    submission's :func:`~grader.grading.file_names` entry (safe, unique, length-capped)."""
    written = []
    for result, name in zip(results, file_names(results)):
        path = folder / name / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(build(result), indent=2, ensure_ascii=True), encoding="utf-8")
        written.append(path)
    return written
