"""The trace of a run: the steps each thread took, the values they read and wrote, and the
stories a verdict tells from them (a lost update, the life of one value)."""

from __future__ import annotations

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
        """A sentence if two threads read the same value of ``attr`` (any attribute) before either wrote it back."""
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
                    if value2 == value:
                        writes = [next((a[0] for a in accesses[j + 1:] if a[1] == t and a[2] == "writes"), None) for t in (first, second)]
                        self.focus = index
                        self.end = max((w for w in writes if w is not None), default=None)
                        return (f"thread {first} and thread {second} both read {attr} = {value} before either wrote "
                                "it back, so the later write threw away the other thread's update")
        return None
