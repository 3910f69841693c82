"""Search strategies: which thread runs next, and where a running thread is preempted.

The engine (``Schedule``) asks its strategy two questions and knows nothing of seeds: at each
switch point, "preempt here?", and whenever a thread must be chosen (a preemption, a thread
that blocks or ends), "which of these?". A strategy that answers from a seed, from a list of
recorded decisions (replay) or from a systematic search (DFS, PCT with priorities) plugs in
here without touching the engine.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

#: Preemption points per schedule after the first (a measured trade-off: see the README).
PREEMPTIONS = 3
#: The share of preemption points drawn from the steps just before a write or a sync call
#: rather than from all steps, since a switch between two reads changes nothing.
POOLED = 0.5

T = TypeVar("T")

#: A switch point's name: (site, how many times the threads have passed that site), where a site
#: says where it is in the learner's file without a line number (see ``Program._collect``).
Point = tuple[Hashable, int]


class Strategy(Protocol):
    """What the engine asks of a search strategy; answers must depend only on the strategy's
    own state and the questions asked, so that a run can be replayed."""

    def preempt_at(self, point: Point) -> bool:
        """Whether the running thread should give up its turn at the switch point named ``point``."""
        ...

    def choose(self, candidates: Sequence[T]) -> T:
        """The thread to run next, out of ``candidates`` (never empty)."""
        ...


@lru_cache(maxsize=1 << 16)
def _stamp(point: Point) -> int:
    """A number for ``point`` that is the same in every process (``hash`` of a str is not)."""
    digest = hashlib.blake2b(repr(point).encode("utf-8", "backslashreplace"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _mixed(stamp: int, salt: int) -> int:
    """splitmix64's finaliser: ``stamp`` scrambled by ``salt``, so each salt orders the points anew."""
    z = (stamp ^ salt) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def _drawn(points: Sequence[Point], salt: int) -> Point:
    """The point of ``points`` that ``salt`` ranks first: a uniform draw that adding or removing
    *other* points does not change (a draw by position, ``choice(points)``, would move)."""
    return min(points, key=lambda point: _mixed(_stamp(point), salt))


class SeededPoints:
    """A PCT-like random search: a seed picks ``preemptions`` preemption points and every choice.

    Seed 0 preempts nowhere (each thread runs as long as it can). Other seeds draw each point,
    with chance ``POOLED``, from ``pool`` (schedule 0's points just before a write or a sync call,
    where a switch most often matters), otherwise from all of schedule 0's ``points`` (for a
    reader caught in the middle of a walk). Points are names, not step numbers (see ``Point``),
    and each is drawn as the one a seeded salt ranks first, so an edit that adds or removes
    switch points elsewhere — or none, like an added ``print`` — leaves a seed's points where they
    were. Which thread runs next is a random choice from the same seeded generator. A seed is a
    complete description of its schedule.
    """

    def __init__(self, seed: int, points: Sequence[Point] = (), preemptions: int = PREEMPTIONS,
                 pool: Sequence[Point] | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.points: set[Point] = set()
        for _ in range(preemptions if seed and points else 0):
            source = pool if pool and self.rng.random() < POOLED else points
            self.points.add(_drawn(source, self.rng.getrandbits(64)))

    def preempt_at(self, point: Point) -> bool:
        return point in self.points

    def choose(self, candidates: Sequence[T]) -> T:
        return self.rng.choice(candidates)
