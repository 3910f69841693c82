"""The class report (index.html): its numbers, its charts, its links, and nothing that runs."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
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


#: Debian's headless browser; .ci/run installs it so that CI runs the browser test below.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Headless, as root, with no network: without the background-networking flags Chromium keeps
#: trying hosts this machine cannot reach. A fresh profile per run keeps runs independent.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars")
CHROMIUM_FLAGS += ("--disable-background-networking", "--disable-component-update", "--disable-sync")
#: The screenshot's size in CSS pixels: wide enough for the tables, tall enough for both charts.
WINDOW = (1000, 800)


def chromium(profile, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def png_rows(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the pixel rows (unfiltered) of an 8-bit RGB or RGBA PNG, as Chromium writes it."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and colour in (2, 6), f"PNG of bit depth {depth}, colour type {colour}"
    step, data, at = (3 if colour == 2 else 4), b"", 8
    while at < len(png):
        size, kind = struct.unpack(">I4s", png[at : at + 8])
        data += png[at + 8 : at + 8 + size] if kind == b"IDAT" else b""
        at += 12 + size
    raw, stride = zlib.decompress(data), width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride) if kind else ():
            a, b = (line[x - step] if x >= step else 0), previous[x]
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            else:  # Paeth
                c = previous[x - step] if x >= step else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def css_colour(name: str) -> bytes:
    """The RGB bytes of a class's ``fill`` in the class report's style sheet."""
    return bytes.fromhex(re.search(rf"\.{name} {{ fill: #([0-9a-f]{{6}}); }}", classreport.html(CLASS))[1])


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_class_report_renders_in_headless_chromium(tmp_path):
    reports.write_all(CLASS, tmp_path)
    page, shot = (tmp_path / "index.html").as_uri(), tmp_path / "shot.png"
    dom = Page(chromium(tmp_path / "profile-dom", "--dump-dom", page).stdout)
    headings = [t.strip() for t in dom.text if t.strip() in ("Score distribution", "Pass rate per exercise", "Most common failing checks")]
    assert headings == ["Score distribution", "Pass rate per exercise", "Most common failing checks"]
    assert "4 submission(s)" in "".join(dom.text) and not dom.all("script")
    assert "<script>alert(1)</script>" in [t.strip() for t in dom.text], "a hostile folder name is shown as text"
    assert len([a for name, a in dom.tags if name == "rect" and a.get("class") == "bar"]) == classreport.BINS
    assert ["test_0", "2", "ben"] in dom.rows

    chromium(tmp_path / "profile-shot", f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", page)
    width, height, rows = png_rows(shot.read_bytes())
    assert (width, height) == WINDOW
    drawn = {name: sum(row.count(css_colour(name)) for row in rows) for name in ("bar", "pass")}
    assert drawn["bar"] > 10_000 and drawn["pass"] > 1_000, f"pixels of each chart's colour in the screenshot: {drawn}"
