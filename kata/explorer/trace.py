"""The trace of a run: the steps each thread took, the values they read and wrote, and the
stories a verdict tells from them (a lost update, the life of one value)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kata.explorer.program import Program
    from kata.explorer.strategy import Point


@dataclass
class Step:
    """One thing a thread did: an instruction on a line of the learner's file, or a sync call."""

    thread: str
    line: int
    notes: list[str] = field(default_factory=list)
    #: (object id, 'reads' or 'writes', attribute, value shown) for each value note
    accesses: list[tuple[int, str, str, str]] = field(default_factory=list)


def _attribute(obj: Any, attr: str) -> Any:
    try:
        return object.__getattribute__(obj, "__dict__").get(attr, _MISSING)
    except BaseException:
        return _MISSING


_MISSING = object()


def _shown(value: Any) -> str | None:
    """A short text for a value read or written, if it is a plain one; never raises."""
    try:  # isinstance() can run learner code (a raising __class__, a dead weakref.proxy)
        if value is _MISSING:
            return None
        if isinstance(value, (bool, int, float)) or value is None:
            return repr(value)
        if isinstance(value, str) and len(value) <= 20:
            return repr(value)
    except BaseException:
        pass
    return None


@dataclass
class Execution:
    """One finished schedule: what ran, what it did, and how it ended."""

    seed: int
    steps: int
    trace: list[Step]
    kind: str = "ok"  # ok, failed, deadlock, error, steps, stalled
    message: str = ""
    program: Program | None = None
    pool: list[Point] = field(default_factory=list)  # switch points just before a write or a sync call
    points: list[Point] = field(default_factory=list)  # every switch point passed, in order (see strategy.Point)
    error: BaseException | None = None  # what a thread raised, for kind "error"
    focus: int | None = None  # the step the story starts at, if the verdict knows it
    end: int | None = None  # and the step it ends at
    cycle: bool = False  # a deadlock in which each waiting thread waits for a lock another of them holds
    waiting: list[str] = field(default_factory=list)  # the threads a deadlock left waiting

    @property
    def failed(self) -> bool:
        return self.kind in ("failed", "deadlock", "error")

    def reads_and_writes(self, attr: str) -> list[tuple[int, str, str, str]]:
        """(step index, thread, 'reads' or 'writes', value) for every shown access of ``attr``, in order."""
        return [access[:4] for access in self._accesses(attr)]

    def _accesses(self, attr: str) -> list[tuple[int, str, str, str, int]]:
        """As ``reads_and_writes``, with the id of the object whose attribute it is last."""
        accesses = []
        for index, step in enumerate(self.trace):
            for owner, verb, name, value in step.accesses:
                if name == attr:
                    accesses.append((index, step.thread, verb, value, owner))
        return accesses

    def read_before_written(self, obj: Any, attr: str) -> dict[str, str]:
        """The value of ``obj.attr`` each thread read before anyone wrote it, by thread: what
        a check-then-act story may say "both saw" only if the trace shows it."""
        seen: dict[str, str] = {}
        for _, thread, verb, value, owner in self._accesses(attr):
            if owner != id(obj):
                continue
            if verb == "writes":
                break
            seen.setdefault(thread, value)
        return seen

    def notified(self) -> list[int]:
        """How many waiting threads each notify() or notify_all() of the run woke, in order."""
        return [int(found.group(1)) for step in self.trace for note in step.notes
                if (found := re.fullmatch(r"notifies (\d+) waiting thread\(s\)", note))]

    def steps_noting(self, words: str) -> list[int]:
        """Indices of the steps with a note that contains ``words`` ("sleeps", "takes", …)."""
        return [index for index, step in enumerate(self.trace) if any(words in note for note in step.notes)]

    def attributes(self) -> list[str]:
        """Every attribute whose reads or writes the trace shows, in order of first appearance."""
        names: dict[str, None] = {}
        for step in self.trace:
            for _, _, name, _ in step.accesses:
                names.setdefault(name, None)
        return list(names)

    def between(self, attr: str, value: Any) -> None:
        """Tell the story from the first write of ``attr`` = ``value`` to its last read."""
        shown = repr(value)
        accesses = [a for a in self.reads_and_writes(attr) if a[3] == shown]
        writes = [a[0] for a in accesses if a[2] == "writes"]
        if accesses:
            self.focus = writes[0] if writes else accesses[0][0]
            self.end = accesses[-1][0]

    def lost_update(self, attr: str | None = None) -> str | None:
        """A sentence if two threads read the same value of ``attr`` (any attribute) before either
        wrote it back, and the second to write did so without reading the first one's write — so
        that write really was thrown away. Two threads that read one value and then wrote one
        after the other, each reading what the other wrote, lost no update (a check-then-act race
        such as an overdraw reads that way): None then."""
        if attr is None:
            for name in self.attributes():
                found = self.lost_update(name)
                if found:
                    return found
            return None
        everything = self._accesses(attr)
        for owner in dict.fromkeys(a[4] for a in everything):  # each object on its own
            accesses = [a for a in everything if a[4] == owner]
            for i, (index, first, verb, value, _) in enumerate(accesses):
                if verb != "reads":
                    continue
                for j in range(i + 1, len(accesses)):
                    _, second, verb2, value2, _ = accesses[j]
                    if second == first:
                        if verb2 == "writes":
                            break
                        continue
                    if verb2 == "writes":
                        break
                    if value2 == value and self._overwritten(accesses[j + 1:], first, second):
                        writes = [next((a[0] for a in accesses[j + 1:] if a[1] == t and a[2] == "writes"), None) for t in (first, second)]
                        self.focus = index
                        self.end = max((w for w in writes if w is not None), default=None)
                        return (f"thread {first} and thread {second} both read {attr} = {value} before either wrote "
                                "it back, so the later write threw away the other thread's update")
        return None

    @staticmethod
    def _overwritten(after: list[tuple[int, str, str, str, int]], first: str, second: str) -> bool:
        """Whether, of two threads that have both read a value, the one that writes second writes
        before it reads again: it never saw the other's write, which its own then replaced."""
        writer = next((a[1] for a in after if a[1] in (first, second) and a[2] == "writes"), None)
        if writer is None:
            return False
        other = second if writer == first else first
        at = next(i for i, a in enumerate(after) if a[1] == writer and a[2] == "writes")
        following = next((a for a in after[at + 1:] if a[1] == other), None)
        return following is not None and following[2] == "writes"
