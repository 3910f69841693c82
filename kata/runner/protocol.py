"""The report a check run writes and the runner reads: one JSON object per line, one record type per event.

The report plugin (in the child) encodes, the runner (in the parent) decodes; nothing else reads
or writes the lines. Three events, in this order:

* ``{"event": "collected", "tests": [nodeid, …]}`` once, when collection ends;
* ``{"event": "collect-error", "nodeid": …, "message": …}`` for a file that cannot be collected;
* ``{"event": "test", "nodeid": …, "outcome": …, "message": …, "duration": …, "hidden": …,
  "behaviour": …}`` as each check ends (``outcome`` is a :class:`~kata.messages.Status`).

The child runs learner code, so a line may be cut short, forged or nonsense: :func:`decode` checks
every key and type and returns ``None`` for anything that is not a well-formed record, never raising.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import ClassVar

from kata.messages import Status

#: The outcomes a check can report (the grader's TIMEOUT and MISSING are never reported by a run).
OUTCOMES = (Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED)


@dataclass(frozen=True)
class Collected:
    """The check ids pytest collected, in run order."""

    EVENT: ClassVar[str] = "collected"
    tests: tuple[str, ...]


@dataclass(frozen=True)
class CollectError:
    """A check file that could not be collected, and pytest's reason."""

    EVENT: ClassVar[str] = "collect-error"
    nodeid: str
    message: str


@dataclass(frozen=True)
class CheckReport:
    """How one check ended: its outcome over setup, call and teardown, and the first failure's text."""

    EVENT: ClassVar[str] = "test"
    nodeid: str
    outcome: Status
    message: str = ""
    duration: float = 0.0
    hidden: bool = False
    behaviour: str = ""  # the first line of the check's docstring: what a hidden failure may say


Record = Collected | CollectError | CheckReport
_BY_EVENT: dict[str, type] = {kind.EVENT: kind for kind in (Collected, CollectError, CheckReport)}


def encode(record: Record) -> str:
    """One line of the report (with its newline)."""
    data = {"event": record.EVENT, **asdict(record)}
    if isinstance(record, Collected):
        data["tests"] = list(record.tests)
    return json.dumps(data) + "\n"


def decode(line: str) -> Record | None:
    """The record on ``line``, or ``None`` when the line is not a complete, well-typed record."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None  # a line cut short by a killed child, or not JSON at all
    if not isinstance(data, dict):
        return None
    kind = _BY_EVENT.get(data.get("event")) if isinstance(data.get("event"), str) else None
    if kind is None:
        return None
    values = {}
    for f in fields(kind):
        if f.name not in data:
            if kind is CheckReport and f.name not in ("nodeid", "outcome"):
                continue  # optional: the dataclass default
            return None
        value = _typed(f.name, data[f.name])
        if value is _BAD:
            return None
        values[f.name] = value
    return kind(**values)


_BAD = object()


def _typed(name: str, value: object) -> object:
    """``value`` as the field ``name`` holds it, or ``_BAD``."""
    if name == "tests":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return tuple(value) if ok else _BAD  # type: ignore[arg-type]
    if name == "outcome":
        return Status(value) if isinstance(value, str) and value in {s.value for s in OUTCOMES} else _BAD
    if name == "duration":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _BAD
    if name == "hidden":
        return value if isinstance(value, bool) else _BAD
    return value if isinstance(value, str) else _BAD
