"""Search strategies: which thread runs next, and where a running thread is preempted.

The engine (``Schedule``) asks its strategy two questions and knows nothing of seeds: at each
switch point, "preempt here?", and whenever a thread must be chosen (a preemption, a thread
that blocks or ends), "which of these?". A strategy that answers from a seed, from a list of
recorded decisions (replay) or from a systematic search (DFS, PCT with priorities) plugs in
here without touching the engine.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

#: Preemption points per schedule after the first (a measured trade-off: see the README).
PREEMPTIONS = 3
#: The share of preemption points drawn from the steps just before a write or a sync call
#: rather than from all steps, since a switch between two reads changes nothing.
POOLED = 0.5

T = TypeVar("T")


class Strategy(Protocol):
    """What the engine asks of a search strategy; answers must depend only on the strategy's
    own state and the questions asked, so that a run can be replayed."""

    def preempt_at(self, step: int) -> bool:
        """Whether the running thread should give up its turn at switch point number ``step`` (1, 2, …)."""
        ...

    def choose(self, candidates: Sequence[T]) -> T:
        """The thread to run next, out of ``candidates`` (never empty)."""
        ...


class SeededPoints:
    """A PCT-like random search: a seed picks ``preemptions`` preemption points and every choice.

    Seed 0 preempts nowhere (each thread runs as long as it can). Other seeds draw each point,
    with chance ``POOLED``, from ``pool`` (schedule 0's steps just before a write or a sync
    call, where a switch most often matters), otherwise uniformly from steps 1 … ``horizon``
    (for a reader caught in the middle of a walk). Which thread runs next is a random choice
    from the same seeded generator. A seed is a complete description of its schedule.
    """

    def __init__(self, seed: int, horizon: int = 1, preemptions: int = PREEMPTIONS,
                 pool: Sequence[int] | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.points: set[int] = set()
        for _ in range(preemptions if seed else 0):
            if pool and self.rng.random() < POOLED:
                self.points.add(self.rng.choice(pool))
            else:
                self.points.add(self.rng.randint(1, horizon))

    def preempt_at(self, step: int) -> bool:
        return step in self.points

    def choose(self, candidates: Sequence[T]) -> T:
        return self.rng.choice(candidates)
