"""Every report the grader writes: terminal table, JSON, CSV gradebook, Gradescope results, Markdown feedback."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

from grader import classreport
from grader.grading import FLAGGED, ExerciseResult, SubmissionResult, exercise_columns, file_names
from kata.messages import Status

#: Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The roster's columns: ``folder`` (the submission folder's name) is required, the rest optional.
ROSTER_COLUMNS = ("folder", "student_id", "name", "email")

SHORT = {Status.PASSED: "", Status.FAILED: "", Status.TIMEOUT: " T", Status.ERROR: " E", Status.MISSING: " -"}


def by_id(result: SubmissionResult) -> dict[str, ExerciseResult]:
    return {e.id: e for e in result.exercises}


def table(results: list[SubmissionResult]) -> str:
    """Submission × exercise points and the total; T = timed out, E = error, - = missing, ! = flagged for review."""
    if not results:
        return "no submissions"
    numbers = [n for n, _ in exercise_columns(results)]
    width = max(10, *(len(r.submission) for r in results))
    lines = [f"{'submission':<{width}} " + " ".join(f"{n:>6}" for n in numbers) + f" {'total':>11}"]
    for result in results:
        cells = []
        graded = by_id(result)
        for number in numbers:
            exercise = graded.get(number)
            if exercise is None:
                cells.append(f"{'':>6}")
                continue
            mark = SHORT.get(str(exercise.status), " ?") + ("!" if exercise.flags else "")
            cells.append(f"{exercise.score:>{6 - len(mark)}g}{mark}")
        lines.append(f"{result.submission:<{width}} " + " ".join(cells) + f" {result.score:>5g}/{result.max_score:<5g}")
    lines.append("T = timed out, E = error, - = missing, ! = flagged for review (see the JSON's flags); other cells are the points scored.")
    return "\n".join(lines)


def to_json(results: list[SubmissionResult]) -> str:
    return json.dumps({"submissions": [r.to_json() for r in results]}, indent=2)


def from_json(text: str) -> list[SubmissionResult]:
    return [SubmissionResult.from_json(s) for s in json.loads(text)["submissions"]]


def cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading ``'``."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """The roster CSV as ``{folder: {student_id, name, email}}``; a ``folder`` column is required."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "folder" not in reader.fieldnames:
            raise ValueError(f"{path}: the roster needs a 'folder' column (columns: {', '.join(ROSTER_COLUMNS)}), found {reader.fieldnames}")
        return {row["folder"].strip(): {k: (row.get(k) or "").strip() for k in ROSTER_COLUMNS[1:]} for row in reader if row.get("folder")}


def to_csv(results: list[SubmissionResult], roster: dict[str, dict[str, str]] | None = None) -> str:
    """One row per submission: the roster's columns (with ``roster``), a column per exercise
    (points), total and maximum, then a status column per exercise (passed/failed/timeout/error/missing),
    then ``flags``: every flagged exercise's reasons (``06: …; 07: …``), empty when none is flagged.

    Columns are exercise ids, so results graded with different exercises never shift a score
    under another exercise's name; an exercise a submission was not graded on is left blank.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    exercises = exercise_columns(results)
    people = list(ROSTER_COLUMNS[1:]) if roster is not None else []
    writer.writerow(["submission", *people, *(f"{n} {stem}" for n, stem in exercises), "total", "max", *(f"{n} status" for n, _ in exercises), "flags"])
    for result in results:
        graded = by_id(result)
        person = (roster or {}).get(result.submission, {})
        points = [f"{graded[n].score:g}" if n in graded else "" for n, _ in exercises]
        statuses = [str(graded[n].status) if n in graded else "" for n, _ in exercises]
        flags = "; ".join(f"{e.id}: {reason}" for e in result.exercises for reason in e.flags)
        row = [result.submission, *(person.get(k, "") for k in people), *points, f"{result.score:g}", f"{result.max_score:g}", *statuses, flags]
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


def gradescope(result: SubmissionResult, hidden_visibility: str = "after_published") -> dict:
    """Gradescope's results.json for one submission: one test per check, numbered ``06.1``, tagged
    with its exercise, Markdown output; hidden checks get ``hidden_visibility``. A flagged
    exercise adds a visible test worth nothing that says so (Gradescope has no other place for it)."""
    tests = []
    for exercise in result.exercises:
        checks = exercise.tests or []
        if exercise.flags:
            text = flag_text(exercise)
            tests.append({
                "name": f"{exercise.id} {exercise.stem}: flagged for review", "number": f"{exercise.id}.0", "tags": [exercise.stem],
                "score": 0, "max_score": 0, "status": Status.FAILED, "output": f"{fence(text)}\n{text}\n{fence(text)}",
                "output_format": "md", "visibility": "visible",
            })  # fmt: skip
        if not checks:
            tests.append(
                {
                    "name": f"{exercise.id} {exercise.stem}",
                    "number": f"{exercise.id}.1",
                    "tags": [exercise.stem],
                    "score": 0,
                    "max_score": exercise.max_score,
                    "status": Status.FAILED,
                    "output": f"{exercise.stem}.py is missing.",
                    "output_format": "md",
                    "visibility": "visible",
                }
            )
            continue
        each = exercise.max_score / len(checks)
        for index, check in enumerate(checks, 1):
            passed = check.status == Status.PASSED
            text = check.message.strip()
            tests.append({
                "name": f"{exercise.id} {exercise.stem}: {check.name}",
                "number": f"{exercise.id}.{index}",
                "tags": [exercise.stem],
                "score": round(each if passed else 0.0, 4),
                "max_score": round(each, 4),
                "status": Status.PASSED if passed else Status.FAILED,
                "output": f"{fence(text)}\n{text}\n{fence(text)}" if text else "",
                "output_format": "md",
                "visibility": hidden_visibility if check.hidden else "visible",
            })  # fmt: skip
    return {"score": result.score, "tests": tests, "visibility": "visible", "stdout_visibility": "hidden"}


def fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in ``text``, so the text cannot close it."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    return "`" * max(3, longest + 1)


def flag_text(exercise: ExerciseResult) -> str:
    """The learner's line for a flagged exercise: that it will be reviewed, and each reason."""
    return FLAGGED.format(reasons="; ".join(exercise.flags))


def feedback(result: SubmissionResult) -> str:
    """A Markdown page a learner can read: each exercise, what failed and why."""
    lines = [f"# Feedback for {result.submission}", "", f"**Score: {result.score:g} / {result.max_score:g}**", ""]
    lines += ["| exercise | status | points |", "|---|---|---|"]
    lines += [f"| {e.id} {e.stem} | {e.status}{' (flagged)' if e.flags else ''} | {e.score:g} / {e.max_score:g} |" for e in result.exercises]
    for exercise in result.exercises:
        failing = [t for t in exercise.tests if t.status != Status.PASSED]
        if exercise.flags:
            text = flag_text(exercise)[:3000]
            lines += ["", f"## {exercise.id} {exercise.stem} — flagged", "", fence(text), text, fence(text)]
        if exercise.status == Status.MISSING:
            lines += ["", f"## {exercise.id} {exercise.stem}", "", f"`{exercise.stem}.py` was not in the submission."]
        elif failing:
            lines += ["", f"## {exercise.id} {exercise.stem} — {exercise.status}", ""]
            for check in failing:
                text = check.message.strip() or "(no message)"
                text = text[:3000]
                lines += [f"### {check.name} ({check.status})", "", fence(text), text, fence(text), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_all(results: list[SubmissionResult], folder: Path, roster: dict[str, dict[str, str]] | None = None) -> list[Path]:
    """grades.json, gradebook.csv, index.html (the class report), gradescope/<name>/results.json
    and feedback/<name>.md, where <name> is the submission's :func:`~grader.grading.file_names` entry.

    Text is written with lone surrogates escaped (``errors="backslashreplace"``), so no message
    stops the reports of the submissions after it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "grades.json", folder / "gradebook.csv", folder / "index.html"]
    write_text(written[0], to_json(results))
    write_text(written[1], to_csv(results, roster))
    write_text(written[2], classreport.html(results))
    for result, name in zip(results, file_names(results)):
        scope = folder / "gradescope" / name / "results.json"
        scope.parent.mkdir(parents=True, exist_ok=True)
        write_text(scope, json.dumps(gradescope(result), indent=2))
        page = folder / "feedback" / f"{name}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        write_text(page, feedback(result))
        written += [scope, page]
    return written


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 whatever it holds: a lone surrogate becomes ``\\udcff``."""
    path.write_text(text, encoding="utf-8", errors="backslashreplace")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a temporary file beside it, then a rename), so a
    reader, or a grader killed mid-write, never leaves half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_text(temporary, text)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
