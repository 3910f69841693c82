"""What the learner reads: the interleaving, one column per thread, and the sentence before it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kata.explorer.engine import SCHEDULES
from kata.explorer.trace import Execution

if TYPE_CHECKING:
    from kata.explorer import Report

#: Rows of the interleaving shown to the learner.
SHOWN_ROWS = 16
#: Widest column of the interleaving, in characters.
COLUMN = 46


def render(run: Execution, rows: int = SHOWN_ROWS, width: int = COLUMN) -> str:
    """The last ``rows`` steps of ``run``, one column per thread: line, source, values read and written."""
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
    threads: list[str] = []
    cells: list[tuple[str, list[str]]] = []
    for step in steps:
        if step.thread not in threads:
            threads.append(step.thread)
        source = program.source_of(step.line) if program is not None else ""
        text = [f"{step.line:>3}  {source}" if step.line else "     (in the check's own code)"]
        if step.notes:
            text.append("       " + ", ".join(step.notes))
        cells.append((step.thread, text))
    widths = {t: min(width, max([len(f"thread {t}")] + [len(x) for n, c in cells if n == t for x in c])) for t in threads}

    def clip(text: str, room: int) -> str:
        return text if len(text) <= room else text[: room - 1] + "…"

    lines = ["   ".join(f"thread {t}".ljust(widths[t]) for t in threads), "   ".join("─" * widths[t] for t in threads)]
    if start:
        lines.append(f"(… {start} earlier steps)")
    for number, (thread, text) in enumerate(cells):
        if gap is not None and number == gap[0]:
            lines.append(f"(… {gap[1] - gap[0]} steps)")
        pad = " " * sum(widths[t] + 3 for t in threads[: threads.index(thread)])
        lines.extend(pad + clip(part, widths[thread]) for part in text)
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
