"""Every report the grader writes: terminal table, JSON, CSV gradebook, Gradescope results, Markdown feedback."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from grader.grading import SubmissionResult
from kata.messages import Status

SHORT = {Status.PASSED: "", Status.FAILED: "", Status.TIMEOUT: " T", Status.ERROR: " E", Status.MISSING: " -"}


def table(results: list[SubmissionResult]) -> str:
    """Submission × exercise points and the total; T = timed out, E = error, - = missing."""
    if not results:
        return "no submissions"
    numbers = [e.id for e in results[0].exercises]
    width = max(10, *(len(r.submission) for r in results))
    lines = [f"{'submission':<{width}} " + " ".join(f"{n:>6}" for n in numbers) + f" {'total':>11}"]
    for result in results:
        cells = []
        for exercise in result.exercises:
            mark = SHORT.get(exercise.status, " ?")
            cells.append(f"{exercise.score:>{6 - len(mark)}g}{mark}")
        lines.append(f"{result.submission:<{width}} " + " ".join(cells) + f" {result.score:>5g}/{result.max_score:<5g}")
    lines.append("T = timed out, E = error, - = missing; other cells are the points scored.")
    return "\n".join(lines)


def to_json(results: list[SubmissionResult]) -> str:
    return json.dumps({"submissions": [r.to_json() for r in results]}, indent=2)


def from_json(text: str) -> list[SubmissionResult]:
    return [SubmissionResult.from_json(s) for s in json.loads(text)["submissions"]]


def to_csv(results: list[SubmissionResult]) -> str:
    """One row per submission: a column per exercise (points), then total and maximum."""
    out = io.StringIO()
    writer = csv.writer(out)
    numbers = [f"{e.id} {e.stem}" for e in results[0].exercises] if results else []
    writer.writerow(["submission", *numbers, "total", "max"])
    for result in results:
        writer.writerow([result.submission, *(f"{e.score:g}" for e in result.exercises), f"{result.score:g}", f"{result.max_score:g}"])
    return out.getvalue()


def gradescope(result: SubmissionResult) -> dict:
    """Gradescope's results.json for one submission: one test per check, hidden checks hidden."""
    tests = []
    for exercise in result.exercises:
        checks = exercise.tests or []
        if not checks:
            tests.append({"name": f"{exercise.id} {exercise.stem}", "score": 0, "max_score": exercise.max_score, "status": Status.FAILED, "output": f"{exercise.stem}.py is missing.", "visibility": "visible"})
            continue
        each = exercise.max_score / len(checks)
        for check in checks:
            tests.append({
                "name": f"{exercise.id} {exercise.stem}: {check.name}",
                "score": round(each if check.status == Status.PASSED else 0.0, 4),
                "max_score": round(each, 4),
                "status": Status.PASSED if check.status == Status.PASSED else Status.FAILED,
                "output": check.message,
                "visibility": "after_published" if check.hidden else "visible",
            })  # fmt: skip
    return {"score": result.score, "tests": tests, "visibility": "visible", "stdout_visibility": "hidden"}


def feedback(result: SubmissionResult) -> str:
    """A Markdown page a learner can read: each exercise, what failed and why."""
    lines = [f"# Feedback for {result.submission}", "", f"**Score: {result.score:g} / {result.max_score:g}**", ""]
    lines += ["| exercise | status | points |", "|---|---|---|"]
    lines += [f"| {e.id} {e.stem} | {e.status} | {e.score:g} / {e.max_score:g} |" for e in result.exercises]
    for exercise in result.exercises:
        failing = [t for t in exercise.tests if t.status != Status.PASSED]
        if exercise.status == Status.MISSING:
            lines += ["", f"## {exercise.id} {exercise.stem}", "", f"`{exercise.stem}.py` was not in the submission."]
        elif failing:
            lines += ["", f"## {exercise.id} {exercise.stem} — {exercise.status}", ""]
            for check in failing:
                text = check.message.strip() or "(no message)"
                lines += [f"### {check.name} ({check.status})", "", "```", text[:3000], "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_all(results: list[SubmissionResult], folder: Path) -> list[Path]:
    """grades.json, gradebook.csv, gradescope/<submission>/results.json and feedback/<submission>.md."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "grades.json", folder / "gradebook.csv"]
    written[0].write_text(to_json(results), encoding="utf-8")
    written[1].write_text(to_csv(results), encoding="utf-8")
    for result in results:
        scope = folder / "gradescope" / result.submission / "results.json"
        scope.parent.mkdir(parents=True, exist_ok=True)
        scope.write_text(json.dumps(gradescope(result), indent=2), encoding="utf-8")
        page = folder / "feedback" / f"{result.submission}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(feedback(result), encoding="utf-8")
        written += [scope, page]
    return written
