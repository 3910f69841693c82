"""What the learner reads: the interleaving, one column per thread, and the sentence before it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kata.explorer.engine import SCHEDULES
from kata.explorer.trace import Execution

if TYPE_CHECKING:
    from kata.explorer import Report

#: Rows of the interleaving shown to the learner.
SHOWN_ROWS = 16
#: Widest column of the interleaving, in characters.
COLUMN = 46
#: Widest the whole interleaving may be: three columns still fit, each narrower than ``COLUMN``.
WIDTH = 100
#: Narrowest a column gets however many threads there are (its header is wider still).
NARROWEST = 24
#: Where a step's notes (values read and written, what a sync call did) start in its column.
NOTES_INDENT = 7


#: What a note is wrapped between: a parenthesis ("(held by thread B)"), a "reads name = value", a word.
_UNITS = re.compile(r"\([^()]*\)[,.]?|(?:reads |writes )?\S+ = (?:'[^']*'|\"[^\"]*\"|\S+),?|\S+")


def _wrapped(notes: list[str], room: int) -> list[str]:
    """``notes`` in rows of at most ``room`` characters, never cutting one off: broken between
    notes, else between the parts of a note that belong together (a "(held by thread B)", a
    "writes balance = -100"), else between words; a word wider than a whole row (a very long
    name) goes on over as many rows as it needs."""
    words: list[str] = []
    for index, note in enumerate(notes):
        for unit in _UNITS.findall(note + ("," if index < len(notes) - 1 else "")):
            for word in [unit] if len(unit) <= room else unit.split(" "):
                words += [word[i:i + room] for i in range(0, len(word), room)] or [word]
    rows: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > room:
            rows.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        rows.append(line)
    return rows


def _source_row(number: int, source: str, room: int) -> str:
    """The step's line number and source, the source shortened (it is on that line of the file) if it is wider than ``room``."""
    text = f"{number:>3}  {source}"
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def render(run: Execution, rows: int = SHOWN_ROWS, width: int = COLUMN) -> str:
    """The last ``rows`` steps of ``run``, one column per thread: line, source, values read and written.

    Columns are at most ``width`` wide, narrower when there are so many threads that they would
    not fit in ``WIDTH``. What does not fit is wrapped inside its column: a long source line is
    shortened (the line number says where it is), notes go on as many rows as they need.
    """
    program = run.program
    stop = len(run.trace) if run.end is None else min(run.end + 1, len(run.trace))
    start = max(stop - rows, 0)
    if run.focus is not None:
        start = min(start, max(run.focus - 1, 0))
    steps = run.trace[start:stop]
    gap = None
    if len(steps) > rows + 8:  # keep the start of the story and its end
        gap = (8, len(steps) - (rows - 8))
        steps = steps[:8] + steps[gap[1]:]
    threads = list(dict.fromkeys(step.thread for step in steps))
    room = max(NARROWEST, min(width, (WIDTH - 2 - 3 * (len(threads) - 1)) // max(len(threads), 1)))
    cells: list[tuple[str, list[str]]] = []
    for step in steps:
        source = program.source_of(step.line) if program is not None else ""
        text = [_source_row(step.line, source, room) if step.line else "     (in the check's own code)"]
        text += [" " * NOTES_INDENT + row for row in _wrapped(step.notes, room - NOTES_INDENT)]
        cells.append((step.thread, text))
    widths = {t: max([len(f"thread {t}")] + [len(x) for n, c in cells if n == t for x in c]) for t in threads}

    lines = ["   ".join(f"thread {t}".ljust(widths[t]) for t in threads), "   ".join("─" * widths[t] for t in threads)]
    if start:
        lines.append(f"(… {start} earlier steps)")
    for number, (thread, text) in enumerate(cells):
        if gap is not None and number == gap[0]:
            lines.append(f"(… {gap[1] - gap[0]} steps)")
        pad = " " * sum(widths[t] + 3 for t in threads[: threads.index(thread)])
        lines.extend(pad + part for part in text)
    if stop < len(run.trace):
        lines.append(f"(… {len(run.trace) - stop} later steps)")
    return "\n".join("  " + line.rstrip() for line in lines)


def describe(report: Report, replay_command: str) -> str:
    """The learner's message for a failing exploration: what broke, the interleaving, the seed."""
    run = report.found
    assert run is not None
    seed_part = "schedule 0: no thread interrupted" if run.seed == 0 else f"seed {run.seed}"
    if report.replayed:
        seed_part += ", replayed"
    else:
        seed_part += f", found on schedule {report.schedules} of at most {SCHEDULES}"
    text = [run.message, "", f"The race explorer ran your code one thread at a time and found this interleaving "
            f"({seed_part}), one column per thread:", render(run), ""]
    text.append(f"Replay exactly this interleaving: {replay_command.format(seed=run.seed)}")
    return "\n".join(text)
