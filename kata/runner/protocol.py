"""The report a check run writes and the runner reads: one JSON object per line, one record type per event.

The report plugin (in the child) encodes, the runner (in the parent) decodes; nothing else reads
or writes the lines. Five events, in this order:

* ``{"event": "collected", "tests": [nodeid, …]}`` once, when collection ends;
* ``{"event": "collect-error", "nodeid": …, "message": …}`` for a file that cannot be collected;
* ``{"event": "test", "nodeid": …, "outcome": …, "message": …, "duration": …, "hidden": …,
  "behaviour": …}`` as each check ends (``outcome`` is a :class:`~kata.messages.Status`);
* ``{"event": "flag", "nodeid": …, "reason": …}`` when a tripwire finds the test machinery changed;
* ``{"event": "end", "records": N, "digest": …}`` once, when the session ends.

The child runs learner code, so a line may be cut short, forged or nonsense: :func:`decode` checks
every key and type and returns ``None`` for anything that is not a well-formed record, never raising.

**Sealed reports.** The runner gives each run a secret (:data:`NONCE_ENV`, removed by the plugin
before any learner code runs); every line then also carries ``"run": secret`` and ``"seq": n``
(0, 1, 2 … in writing order), and the ``end`` record counts the lines before it and holds the
SHA-256 of their text. The run's last check is a canary with a per-run name
(:func:`canary_name`) that always fails. :class:`Reader` accepts a report only when every
well-formed line carries the secret, the numbers run without a gap or repeat, nothing follows
``end``, and, when checks ran, the canary was reported failed. So records written by learner code
(which does not know the secret), records lost when the pipe is swapped for ``/dev/null``
(``dup2``), and a forged pass of every check (the canary passes too) are each found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
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


@dataclass(frozen=True)
class Flag:
    """A tripwire's finding: the test machinery changed during check ``nodeid``."""

    EVENT: ClassVar[str] = "flag"
    nodeid: str
    reason: str


@dataclass(frozen=True)
class End:
    """The session ended: ``records`` lines came before this one, and ``digest`` is their SHA-256."""

    EVENT: ClassVar[str] = "end"
    records: int
    digest: str


Record = Collected | CollectError | CheckReport | Flag | End
_BY_EVENT: dict[str, type] = {kind.EVENT: kind for kind in (Collected, CollectError, CheckReport, Flag, End)}

#: Environment variable holding a run's secret (set by the runner, removed by the plugin at start-up).
NONCE_ENV = "THREADKATA_REPORT_NONCE"


def canary_name(nonce: str) -> str:
    """The name of the run's canary check: different in every run, never a real check's name."""
    return "test_canary_" + hashlib.sha256(f"canary:{nonce}".encode()).hexdigest()[:12]


def encode(record: Record, nonce: str = "", seq: int = 0) -> str:
    """One line of the report (with its newline); sealed with ``nonce`` and ``seq`` when a nonce is given."""
    data = {"event": record.EVENT, **asdict(record)}
    if isinstance(record, Collected):
        data["tests"] = list(record.tests)
    if nonce:
        data.update(run=nonce, seq=seq)
    return json.dumps(data) + "\n"


def decode(line: str) -> Record | None:
    """The record on ``line``, or ``None`` when the line is not a complete, well-typed record."""
    sealed = _decode(line)
    return sealed[0] if sealed else None


def _decode(line: str) -> tuple[Record, object, object] | None:
    """The record on ``line`` with its ``run`` and ``seq`` values (None where absent), or None."""
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
    return kind(**values), data.get("run"), data.get("seq")


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
    if name == "records":
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else _BAD
    return value if isinstance(value, str) else _BAD


#: pytest's exit statuses for a session that ran to its end (all passed; some failed; none collected).
FINISHED_NORMALLY = (0, 1, 5)


@dataclass
class Reader:
    """Reads a sealed report (see the module's docstring) and says whether it can be trusted.

    ``tampered`` is why no record of the run can be trusted (empty when they can); ``flags`` are
    the tripwires' findings, which make the run one to review.
    """

    nonce: str
    collected: list[str] = field(default_factory=list)
    tests: dict[str, CheckReport] = field(default_factory=dict)
    collect_errors: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    tampered: str = ""
    ended: bool = False
    canary: Status | None = None
    lines: int = 0

    def read(self, text: str) -> Reader:
        digest = hashlib.sha256()
        for line in text.splitlines(keepends=True):
            sealed = _decode(line)
            if sealed is None:
                continue  # cut short by a killed child, or nonsense: a check it claims stays unreported
            record, nonce, seq = sealed
            if nonce != self.nonce:
                self.tamper("a report record was not written by the report plugin (it lacks this run's secret)")
                continue
            if self.ended:
                self.tamper("records followed the end of the report")
            elif seq != self.lines:
                self.tamper(f"report records were lost, repeated or reordered (record {self.lines} was numbered {seq!r})")
            if isinstance(record, End):
                if record.records != self.lines or record.digest != digest.hexdigest():
                    self.tamper("the report's closing record does not match the records before it")
                self.ended = True
            else:
                self.take(record)
            digest.update(line.encode("utf-8", "surrogatepass"))
            self.lines += 1
        return self

    def take(self, record: Record) -> None:
        if isinstance(record, Collected):
            if self.collected:
                self.tamper("the list of checks was reported twice")
            self.collected = list(record.tests)
        elif isinstance(record, CheckReport):
            if record.nodeid.rsplit("::", 1)[-1] == canary_name(self.nonce):
                self.canary = record.outcome
                if record.outcome is not Status.FAILED:
                    self.tamper(f"the run's canary check, which always fails, was reported {record.outcome}")
            elif record.nodeid in self.tests or not self.collected:
                self.tamper(f"check {record.nodeid.rsplit('::', 1)[-1]} was reported twice, or before the checks were collected")
            else:
                self.tests[record.nodeid] = record
        elif isinstance(record, CollectError):
            self.collect_errors.append(record.message)
        elif isinstance(record, Flag):
            where = record.nodeid.rsplit("::", 1)[-1]
            reason = f"during {where}: {record.reason}" if where else record.reason
            if reason not in self.flags:
                self.flags.append(reason)

    def finish(self, returncode: int | None, timed_out: bool) -> Reader:
        """What the end of the run says: a session that ended normally must have closed its report."""
        if self.tampered or timed_out or returncode not in FINISHED_NORMALLY:
            return self
        if not self.ended:
            self.flags.append(
                f"the check run exited normally (status {returncode}) without the report's closing record: "
                "the report pipe was closed or replaced, or the process ended itself (os._exit)"
            )
        elif self.tests and self.canary is None:
            self.tamper("the run's canary check was never reported")
        return self

    def tamper(self, why: str) -> None:
        self.tampered = self.tampered or why
