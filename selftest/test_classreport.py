"""The class report (index.html): its numbers, its charts, its links, and nothing that runs."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from grader import classreport, grading, reports

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

C = grading.CheckResult


def submission(name: str, first: list[str], second: list[str]) -> grading.SubmissionResult:
    """Two exercises; each list holds the status of each check."""
    exercises = []
    for number, statuses in (("01", first), ("06", second)):
        checks = [C(f"test_{i}", s, "why" if s != "passed" else "") for i, s in enumerate(statuses)]
        passed = sum(s == "passed" for s in statuses)
        status = "passed" if statuses and passed == len(statuses) else ("missing" if not statuses else "failed")
        exercises.append(grading.ExerciseResult(number, f"ex{number}_thing", status, round(10 * passed / len(statuses), 2) if statuses else 0.0, 10.0, checks))
    return grading.summarise(name, exercises)


CLASS = [
    submission("ann", ["passed", "passed"], ["passed", "passed", "passed"]),
    submission("ben", ["passed", "failed"], ["failed", "passed", "failed"]),
    submission("<script>alert(1)</script>", ["failed", "failed"], ["failed", "passed", "passed"]),
    submission("dee", ["passed", "passed"], []),
]


class Page(HTMLParser):
    """The tags, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])

    def handle_data(self, data):
        self.text.append(data)
        if self.rows and data.strip():
            self.rows[-1].append(data.strip())

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_the_class_report_draws_the_distribution_and_pass_rates_as_inline_svg_without_script():
    page = Page(classreport.html(CLASS))
    assert not page.all("script") and not any(k.startswith("on") for _, attrs in page.tags for k in attrs)
    assert not [a for a in page.all("link") + page.all("img")], "the page loads nothing"
    assert {a.get("id") for a in page.all("svg")} == {"distribution", "pass-rates"}
    bars = [a for name, a in page.tags if name == "rect" and a.get("class") == "bar"]
    assert len(bars) == classreport.BINS
    assert "".join(page.text).count("<script>alert(1)</script>") == 1  # shown as text, escaped
    assert "4 submission(s)" in "".join(page.text)


def test_pass_rates_and_failing_checks_are_counted_per_exercise():
    assert classreport.pass_rates(CLASS) == {"01": 0.5, "06": 0.25}
    failures = classreport.failing_checks(CLASS)
    assert failures["06"][0] == ("test_0", 2, "ben")
    assert ("test_1", 2, "ben") in failures["01"]


def test_the_report_links_each_failing_check_to_a_feedback_page_that_exists(tmp_path):
    reports.write_all(CLASS, tmp_path)
    page = Page((tmp_path / "index.html").read_text(encoding="utf-8"))
    links = [a["href"] for a in page.all("a")]
    assert links
    for link in links:
        assert (tmp_path / unquote(link)).is_file(), link
    table_rows = [row for row in page.rows if row and row[0].startswith("test_")]
    assert ["test_0", "2", "ben"] in table_rows


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_the_class_report_renders_in_headless_chromium(tmp_path):
    import subprocess

    reports.write_all(CLASS, tmp_path)
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [shutil.which("chromium") or "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}", "--window-size=1200,1600", (tmp_path / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a drawn page, not a blank one
    dumped = subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--dump-dom", (tmp_path / "index.html").as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert "Pass rate per exercise" in dumped.stdout and 'id="distribution"' in dumped.stdout
