"""The race explorer: run learner code one thread at a time and choose who runs next.

A check hands the explorer a *scenario*: a function that, given a fresh copy of the learner's
module, builds shared objects and returns the threads to run and a verdict on what they did.
The explorer then runs that scenario many times, each time under a different seeded schedule:

* Only one thread runs at a time. The scheduler may switch threads before any bytecode
  instruction of the learner's file that touches shared state (attribute and item reads and
  writes, cells, globals some function rebinds — not calls, not builtins such as ``print``),
  at every synchronisation call and where a primitive is made. Nothing outside the learner's
  file is switched inside, and nothing in a trace or monitoring callback ever raises.
* The learner's copy of the module is given stand-ins for ``threading``, ``time``, ``queue``,
  ``random`` and ``concurrent.futures``: their locks, conditions, semaphores, events,
  barriers, queues, threads and sleeps tell the scheduler when a thread must wait, and time is
  a virtual clock, so a sleep or a timeout costs nothing and "every thread is waiting" is
  found at once as a deadlock.
* Schedule 0 runs each thread as long as it can; every later seed picks three preemption
  points along the way (a PCT-like search), half of them just before a write or a sync call.
  A seed is a complete description of its schedule: the same seed, code and Python version
  replay the same interleaving — and since points are named by where they are in the code
  (see ``strategy.Point``), not by step numbers, so does the code with a ``print``, a comment
  or a blank line added.
* Code that waits on something the explorer does not control, or spins past the step limit,
  ends the exploration without a verdict: such code is left to the real-thread checks.

What a learner reads is the failing interleaving, one column per thread, each step the line and
its source with the shared values read or written, after the sentence naming the bug, and the
seed that replays it.

The package is cut along its seams: ``engine`` (turns, blocking, deadlock, limits),
``strategy`` (seed → preemption points and choices), ``primitives`` and ``standins`` (what
learner code gets for ``threading`` and friends), ``program`` (the instrumented copy of the
learner's module), ``trace`` (steps, executions, lost-update stories) and ``render`` (what the
learner reads). This module runs scenarios: ``explore``, ``run_schedule``, ``Plan``, ``Report``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kata.explorer import engine
from kata.explorer.engine import (
    BUDGET,
    MAX_STEPS,
    SCHEDULES,
    STALL,
    OutsideSchedule,
    Schedule,
    _real_clock,
)
from kata.explorer.primitives import (
    Barrier,
    BoundedSemaphore,
    Condition,
    Event,
    Lock,
    RLock,
    Semaphore,
    Thread,
    label,
    sleep,
)
from kata.explorer.program import Program
from kata.explorer.render import COLUMN, SHOWN_ROWS, describe, render
from kata.explorer.strategy import POOLED, PREEMPTIONS, Point, SeededPoints, Strategy
from kata.explorer.trace import Execution, Step

__all__ = [
    "BUDGET", "COLUMN", "MAX_STEPS", "POOLED", "PREEMPTIONS", "SCHEDULES", "SHOWN_ROWS", "STALL",
    "Barrier", "BoundedSemaphore", "Condition", "Event", "Execution", "Lock", "OutsideSchedule", "Plan", "Point",
    "Program", "RLock", "Report", "Schedule", "SeededPoints", "Semaphore", "Step", "Strategy", "Thread",
    "describe", "explore", "label", "render", "run_schedule", "sleep",
]


@dataclass
class Plan:
    """What a scenario returns: the threads to run, and a verdict on their results.

    ``verdict(results, run)`` gets each thread's return value by name and the finished run,
    and returns ``None`` if all is well or one or two sentences naming what went wrong.
    """

    threads: dict[str, Callable[[], Any]]
    verdict: Callable[[dict[str, Any], Execution], str | None] = lambda results, run: None
    #: A sentence added to the explorer's own reports (a deadlock, an exception escaping a thread),
    #: or a function of the failing run that returns one, to tell the story the trace shows
    #: (``run.cycle``: the deadlocked threads each wait for a lock another holds; ``run.waiting``,
    #: ``run.notified()``).
    advice: str | Callable[[Execution], str] = ""
    #: What to add instead when a thread raised, if the advice is about a deadlock (None: ``advice``).
    #: The report already names the exception and its line, and the trace ends at the raise; a
    #: sentence here should say what the scenario expected, not guess at a cause the trace does not show.
    error_advice: str | None = None


@dataclass
class Report:
    """The outcome of an exploration: the first failing run, if any, and what it cost."""

    found: Execution | None
    schedules: int
    seconds: float
    stopped: str = ""  # why exploration ended early without a verdict, if it did
    replayed: bool = False


def run_schedule(program: Program, scenario: Callable[[Any], Plan], seed: int, probe: Execution | None = None,
                 preemptions: int = PREEMPTIONS, max_steps: int = MAX_STEPS) -> Execution:
    """Run ``scenario`` once under the schedule ``seed`` describes.

    Seeds other than 0 preempt at ``preemptions`` points drawn from ``probe``'s (schedule 0's)
    switch points, half from those just before a write or a sync call (see ``SeededPoints``);
    without a probe, nowhere.
    """
    points, pool = (probe.points, probe.pool) if probe is not None else ((), ())
    schedule = Schedule(program, SeededPoints(seed, points, preemptions, pool), max_steps)
    engine._active = schedule
    program.install(schedule)
    try:
        module = program.fresh_module(random.Random(seed))
        plan = scenario(module)
        for name, func in plan.threads.items():
            schedule.spawn(name, func)
        schedule.start()
        while not schedule.finished.acquire(timeout=0.05):
            if _real_clock() - schedule.last_progress > STALL:
                schedule.stop("stalled", "a thread stopped reaching the scheduler (it waits on something the explorer does not control)")
                break
        for task in schedule.tasks:
            if not task.stuck:
                task.thread.join(0.2)
        run = Execution(seed, schedule.steps, schedule.trace, program=program, pool=schedule.pool, points=schedule.points)
        if schedule.outcome is not None:
            run.kind, run.message = schedule.outcome
            lasts = [max((i for i, step in enumerate(run.trace) if step.thread == name), default=None) for name in schedule.deadlocked]
            lasts = [i for i in lasts if i is not None]
            if lasts:
                run.focus = min(lasts)  # so every waiting thread's column shows where it waits
            run.cycle, run.waiting = schedule.cycle, list(schedule.deadlocked)
            advice = plan.advice(run) if callable(plan.advice) else plan.advice
            if run.kind == "deadlock" and advice:
                run.message += "\n" + advice
            return run
        errors = [t for t in schedule.tasks if t.error is not None]
        if errors:
            task = errors[0]
            run.kind, run.error = "error", task.error
            line = program.line_of(task.error)
            at = f" at line {line} `{program.source_of(line)}`" if line else ""
            raised = f"{type(task.error).__name__}: {task.error}"
            run.message = f"Thread {task.name} raised {raised}{at}."
            run.end = _raised_at(run, task.name, line, raised)
            advice = plan.error_advice
            if advice is None:
                advice = plan.advice(run) if callable(plan.advice) else plan.advice
            if advice:
                run.message += " " + advice
            return run
        results = {t.name: t.value for t in schedule.tasks if t.handle is None}
        schedule.current = None
        verdict = plan.verdict(results, run)
        if verdict:
            run.kind, run.message = "failed", verdict
        return run
    finally:
        program.uninstall()
        engine._active = None


def _raised_at(run: Execution, thread: str, line: int, raised: str) -> int:
    """Show in the trace where ``thread`` raised: a note on its last step, or a step after it on
    the line the exception came from. Returns the step's index (where the story ends)."""
    last = max((i for i, step in enumerate(run.trace) if step.thread == thread), default=None)
    note = f"raises {raised}"
    if last is not None and (run.trace[last].line == line or not line):
        run.trace[last].notes.append(note)
        return last
    at = len(run.trace) if last is None else last + 1
    run.trace.insert(at, Step(thread, line, [note]))
    return at


def explore(path: str | Path, scenario: Callable[[Any], Plan], schedules: int = SCHEDULES,
            budget: float = BUDGET, preemptions: int = PREEMPTIONS, replay: int | None = None,
            max_steps: int = MAX_STEPS) -> Report:
    """Run ``scenario`` under schedule 0, then seeds 1, 2, … until one fails or the budget ends.

    With ``replay``, run schedule 0 (whose switch points a seed draws its preemption points
    from) and then only that seed.
    """
    program = Program(path)
    started = _real_clock()
    try:
        probe = run_schedule(program, scenario, 0, None, preemptions, max_steps)
        ran = 1
        if probe.kind in ("stalled", "steps"):
            return Report(None, ran, _real_clock() - started, probe.message)
        if probe.failed and (replay is None or replay == 0):
            return Report(probe, ran, _real_clock() - started, replayed=replay is not None)
        seeds = [replay] if replay is not None else range(1, schedules)
        for seed in seeds:
            if replay is None and _real_clock() - started > budget:
                return Report(None, ran, _real_clock() - started, f"the {budget:g} s budget ran out")
            run = run_schedule(program, scenario, seed, probe, preemptions, max_steps)
            ran += 1
            if run.failed:
                return Report(run, ran, _real_clock() - started, replayed=replay is not None)
            if run.kind == "stalled":
                return Report(None, ran, _real_clock() - started, run.message)
        return Report(None, ran, _real_clock() - started)
    finally:
        program.close()
