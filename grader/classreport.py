"""The class report: one HTML page an instructor opens in a browser, written by ``--out`` as index.html.

It shows the distribution of total scores, the pass rate of each exercise, the exercises flagged
for review (``flagged``: the screen's or the tripwires' reasons, with a link to the feedback), and
each exercise's most common failing checks with how many submissions failed them and a link to
one of those submissions' feedback pages. Charts are inline SVG; the page has no script and loads nothing.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from statistics import median
from urllib.parse import quote

from grader.grading import SubmissionResult, exercise_columns, file_names
from kata.messages import Status

#: How many bars the score distribution has.
BINS = 10
#: How many failing checks each exercise lists.
TOP_FAILURES = 5

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: left; }
td.count { text-align: right; }
svg text { font-size: 12px; fill: #222; }
.bar { fill: #4a78b0; }
.pass { fill: #3c8d4f; }
"""


def feedback_link(submission: str, names: dict[str, str] | None = None) -> str:
    """The relative link to a submission's feedback page, as write_all names it (``names``: each submission's file name)."""
    return "feedback/" + quote(f"{(names or {}).get(submission, submission)}.md")


def distribution_svg(results: list[SubmissionResult]) -> str:
    """A bar per tenth of the maximum score: how many submissions' totals fall in it."""
    top = max((r.max_score for r in results), default=0) or 1
    counts = [0] * BINS
    for result in results:
        counts[min(BINS - 1, int(result.score / top * BINS))] += 1
    tallest = max(counts) or 1
    width, height, bar = 40 * BINS + 40, 200, 36
    parts = [f'<svg id="distribution" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img" aria-label="score distribution">']
    for index, count in enumerate(counts):
        low, high = top * index / BINS, top * (index + 1) / BINS
        tall = round(height * count / tallest)
        x = 20 + index * 40
        parts.append(
            f'<rect class="bar" x="{x}" y="{height - tall}" width="{bar}" height="{tall}"><title>{low:g}–{high:g} points: {count} submission(s)</title></rect>'
        )
        parts.append(f'<text x="{x + bar / 2}" y="{height - tall - 4}" text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 16}" text-anchor="middle">{low:g}</text>')
    parts.append(f'<text x="{20 + BINS * 40}" y="{height + 16}" text-anchor="middle">{top:g}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def pass_rates(results: list[SubmissionResult]) -> dict[str, float]:
    """Each exercise's share of graded submissions that passed it, by exercise id."""
    rates = {}
    for number, _ in exercise_columns(results):
        statuses = [str(e.status) for r in results for e in r.exercises if e.id == number]
        rates[number] = sum(s == "passed" for s in statuses) / len(statuses) if statuses else 0.0
    return rates


def pass_rate_svg(results: list[SubmissionResult]) -> str:
    """A horizontal bar per exercise: the share of submissions that passed it."""
    rates = pass_rates(results)
    row, width = 22, 300
    parts = [
        '<svg id="pass-rates" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width + 220}" height="{row * len(rates) + 10}" role="img" aria-label="pass rate per exercise">'
    ]
    for index, (number, stem) in enumerate(exercise_columns(results)):
        y = 5 + index * row
        rate = rates[number]
        parts.append(f'<text x="0" y="{y + 14}">{escape(number)} {escape(stem)}</text>')
        parts.append(
            f'<rect class="pass" x="170" y="{y}" width="{round(width * rate)}" height="{row - 6}"><title>{escape(stem)}: {rate:.0%} passed</title></rect>'
        )
        parts.append(f'<text x="{176 + round(width * rate)}" y="{y + 14}">{rate:.0%}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def flagged_section(results: list[SubmissionResult], names: dict[str, str]) -> list[str]:
    """The "Flagged for review" table: one row per flagged (submission, exercise), its status ``flagged`` and its reasons."""
    rows = [(r.submission, e) for r in results for e in r.exercises if e.flags]
    lines = ["<h2>Flagged for review</h2>"]
    if not rows:
        return lines + ['<p id="flagged">No exercise was flagged.</p>']
    lines.append('<table id="flagged"><thead><tr><th>submission</th><th>exercise</th><th>status</th><th>points</th><th>reasons</th></tr></thead><tbody>')
    for submission, exercise in rows:
        reasons = "<br>".join(escape(reason) for reason in exercise.flags)
        link = f'<a href="{escape(feedback_link(submission, names))}">{escape(submission)}</a>'
        cells = (link, f"{escape(exercise.id)} {escape(exercise.stem)}", "flagged", f"{exercise.score:g}", reasons)
        lines.append("<tr>" + "".join(f"<td>{text}</td>" for text in cells) + "</tr>")
    return lines + ["</tbody></table>"]


def failing_checks(results: list[SubmissionResult]) -> dict[str, list[tuple[str, int, str]]]:
    """Per exercise id: its most failed checks as (check, submissions failing it, one such submission)."""
    found: dict[str, list[tuple[str, int, str]]] = {}
    for number, _ in exercise_columns(results):
        counts: Counter[str] = Counter()
        example: dict[str, str] = {}
        for result in results:
            for exercise in result.exercises:
                if exercise.id != number:
                    continue
                for check in {t.name for t in exercise.tests if t.status != Status.PASSED}:
                    counts[check] += 1
                    example.setdefault(check, result.submission)
        found[number] = [(name, count, example[name]) for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_FAILURES]]
    return found


def html(results: list[SubmissionResult]) -> str:
    """The whole page."""
    totals = [r.score for r in results]
    top = max((r.max_score for r in results), default=0)
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>threadkata: class report</title>',
        f"<style>{STYLE}</style></head><body>",
        "<h1>Class report</h1>",
        (
            f'<p id="summary">{len(results)} submission(s); median score {median(totals) if totals else 0:g} of {top:g}; '
            f"mean {sum(totals) / len(totals) if totals else 0:.1f}.</p>"
        ),
        "<h2>Score distribution</h2>",
        distribution_svg(results),
        "<h2>Pass rate per exercise</h2>",
        pass_rate_svg(results),
    ]
    stems = dict(exercise_columns(results))
    names = dict(zip((r.submission for r in results), file_names(results)))
    lines += flagged_section(results, names)
    lines.append("<h2>Most common failing checks</h2>")
    for number, failures in failing_checks(results).items():
        lines.append(f'<h3 id="exercise-{escape(number)}">{escape(number)} {escape(stems[number])}</h3>')
        if not failures:
            lines.append("<p>No check failed.</p>")
            continue
        lines.append("<table><thead><tr><th>check</th><th>submissions failing it</th><th>for example</th></tr></thead><tbody>")
        for name, count, submission in failures:
            lines.append(
                f'<tr><td>{escape(name)}</td><td class="count">{count}</td>'
                f'<td><a href="{escape(feedback_link(submission, names))}">{escape(submission)}</a></td></tr>'
            )
        lines.append("</tbody></table>")
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"
