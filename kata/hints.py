"""Hints by behaviour: which hint a failing run shows, and which one `nox -s hint -- NN` shows next.

A hint file (``hints/<stem>.md``) is Markdown; each ``## Hint N`` heading starts a hint. The
heading may end with ``— for: word, word`` (or ``- for:``): the hint is for the checks whose names
contain one of those words, so ``for: snapshot`` is for ``test_snapshot_is_an_independent_copy``
and ``test_explorer_finds_snapshot_while_another_thread_sets``. A hint with no ``for:`` is for
every check. A failing run shows the first hint for its first failing check; the hint command
then goes on with the other hints for the failing checks, then the rest, in file order, skipping
those already shown. What was shown, and which checks failed last, is kept in ``hints.json`` in
the learner's state folder (``.threadkata/`` beside the exercises, which git ignores).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from kata import catalogue

#: ``## Hint 3 — for: get_or_compute, factory``: the words after ``for:`` name the checks.
_FOR = re.compile(r"\s[—–-]+\s*for:\s*(?P<words>.+)$")


@dataclass(frozen=True)
class Hint:
    """One hint: its number in the file (from 1), its text, and the words of the checks it is for."""

    number: int
    text: str
    words: tuple[str, ...] = ()

    def fits(self, check: str) -> bool:
        """True if this hint is for the check named ``check`` (a hint for no check in particular fits every one)."""
        return not self.words or any(word in check for word in self.words)


def read(path: Path) -> list[Hint]:
    """The hints of a hint file, numbered in order; its text as :func:`kata.catalogue.read_hints` splits it."""
    texts = catalogue.read_hints(path)
    headings = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("## ")] if path.is_file() else []
    hints = []
    for number, (heading, text) in enumerate(zip(headings, texts), start=1):
        found = _FOR.search(heading)
        words = tuple(w.strip() for w in found["words"].split(",") if w.strip()) if found else ()
        hints.append(Hint(number, text, words))
    return hints


def ordered(hints: list[Hint], failing: list[str]) -> list[Hint]:
    """The hints in the order a learner with these failing checks should see them.

    Without failing checks, file order. With them: the hints written for the first failing check,
    then those for the later ones, then the hints for every check, then the rest.
    """
    if not failing:
        return list(hints)

    def rank(hint: Hint) -> tuple[int, int]:
        if hint.words:
            first = next((i for i, check in enumerate(failing) if hint.fits(check)), None)
            if first is not None:
                return (0, first)
            return (2, 0)
        return (1, 0)

    return sorted(hints, key=lambda h: (*rank(h), h.number))


def state_file(target: Path) -> Path:
    """Where the hints shown so far are remembered for the exercises in ``target``."""
    return target.parent / ".threadkata" / "hints.json"


def _load(target: Path) -> dict:
    try:
        return json.loads(state_file(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def seen(target: Path, stem: str) -> tuple[list[int], list[str]]:
    """The numbers of the hints shown for ``stem`` and the checks that failed last (an older
    file that kept only a count reads as its first hints shown)."""
    entry = _load(target).get(stem, {})
    if isinstance(entry, int):
        return list(range(1, entry + 1)), []
    return list(entry.get("shown", [])), list(entry.get("failing", []))


def remember(target: Path, stem: str, shown: list[int], failing: list[str]) -> None:
    """Keep what was shown and what failed; a folder that cannot be written to keeps nothing."""
    data = _load(target)
    data[stem] = {"shown": shown, "failing": failing}
    try:
        path = state_file(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    except OSError:
        pass


def for_failure(exercise: catalogue.Exercise, target: Path, failing: list[str]) -> Hint | None:
    """The hint a run whose checks ``failing`` failed shows (and remembers as shown)."""
    hints = ordered(read(exercise.hint_file), failing)
    if not hints:
        return None
    shown, _ = seen(target, exercise.stem)
    remember(target, exercise.stem, sorted({*shown, hints[0].number}), failing)
    return hints[0]


def following(exercise: catalogue.Exercise, target: Path) -> tuple[Hint | None, bool]:
    """The next hint not shown yet for ``exercise`` (the last one again once all were), and whether it is the last."""
    shown, failing = seen(target, exercise.stem)
    hints = ordered(read(exercise.hint_file), failing)
    if not hints:
        return None, True
    left = [h for h in hints if h.number not in shown]
    hint = left[0] if left else hints[-1]
    remember(target, exercise.stem, sorted({*shown, hint.number}), failing)
    return hint, len(left) <= 1
