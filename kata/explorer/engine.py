"""The engine: one thread of the learner's runs at a time, and the schedule hands out the turns.

A ``Schedule`` runs each scenario thread (and each thread learner code starts) on a real
thread that waits at its own gate until it is given the turn. The running thread reaches a
*switch point* before each instruction of the learner's file that touches shared state and at
every synchronisation call; there the schedule asks its strategy (see ``strategy``) whether to
preempt it and whom to run next. A thread that must wait (a taken lock, an unset event, a
sleep on the virtual clock) blocks through the schedule; when every thread left is waiting,
that is a deadlock. Runs end early at the step limit. The engine holds no seed logic.
"""

from __future__ import annotations

import _thread
import threading as _threading
import time as _time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from kata.explorer.strategy import Point, Strategy
from kata.explorer.trace import Step, _attribute, _shown

if TYPE_CHECKING:
    from kata.explorer.program import Program

_allocate = _thread.allocate_lock
_get_ident = _thread.get_ident
_RealThread = _threading.Thread
_real_clock = _time.perf_counter

#: Schedules tried per scenario, counting the unpreempted schedule 0.
SCHEDULES = 50
#: Real seconds one exploration may take before it stops with what it has found.
BUDGET = 1.5
#: Steps one schedule may take (a thread spinning forever would take all of them).
MAX_STEPS = 20_000
#: Real seconds a schedule may go without its running thread reaching a switch point.
STALL = 1.0


class _Abort(BaseException):
    """Unwinds a learner thread whose schedule is over (deadlock found, or run stopped)."""


class OutsideSchedule(RuntimeError):
    """Learner code would have blocked while no schedule was running (in set-up or verdict)."""


class _Task:
    """A learner thread under the scheduler's control."""

    def __init__(self, name: str, func: Callable[[], Any], handle: Any = None) -> None:
        self.name = name
        self.func = func
        self.handle = handle  # the stand-in Thread object, if learner code made it
        self.gate = _allocate()
        self.gate.acquire()
        self.state = "runnable"  # runnable, blocked, done
        self.until: Callable[[], bool] | None = None
        self.deadline: float | None = None
        self.waiting_for = ""
        self.waits_on: Any = None  # the stand-in lock it waits to take, if that is what it waits for
        self.where = 0
        self.parked = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.held: list[Any] = []
        self.pending: tuple[Any, str, Step] | None = None
        self.ident: int | None = None
        self.thread: Any = None
        self.stuck = False  # parked for good after spinning past the step limit
        self.spins_after_abort = 0
        self.in_plan = True

    def can_run(self, clock: float) -> bool:
        if self.state == "runnable":
            return True
        if self.state != "blocked":
            return False
        try:
            if self.until is not None and self.until():
                return True
        except BaseException:
            return False
        return self.deadline is not None and clock >= self.deadline


class Schedule:
    """One run of a scenario under one seed."""

    def __init__(self, program: Program, strategy: Strategy, max_steps: int = MAX_STEPS) -> None:
        self.program = program
        self.strategy = strategy
        self.points: list[Point] = []  # every switch point this run passed, in order
        self.pool: list[Point] = []  # those just before a write or a sync call
        self.passes: dict[Hashable, int] = {}  # times the threads passed each site, all together
        self.max_steps = max_steps
        self.tasks: list[_Task] = []
        self.by_ident: dict[int, _Task] = {}
        self.current: _Task | None = None
        self.clock = 0.0
        self.steps = 0
        self.trace: list[Step] = []
        self.outcome: tuple[str, str] | None = None  # (kind, message) when the run ended early
        self.aborted = False
        self.finished = _allocate()
        self.finished.acquire()
        self.thread_numbers = 0
        self.last_progress = _real_clock()
        self.made: dict[Any, int] = {}  # primitives made so far by each learner line
        self.deadlocked: list[str] = []  # the threads waiting when a deadlock was found
        self.cycle = False  # and whether each waited for a lock another of them held
        self.spins = 0  # loop back-edges taken: a loop with no switch point still ends at the limit

    # ---- who am I

    def task(self) -> _Task | None:
        task = self.by_ident.get(_get_ident())
        return task if task is not None and task is self.current else None

    # ---- starting and ending threads

    def spawn(self, name: str, func: Callable[[], Any], handle: Any = None) -> _Task:
        task = _Task(name, func, handle)
        task.in_plan = handle is None  # one of the scenario's threads, not one learner code started
        self.tasks.append(task)
        task.thread = _RealThread(target=self._bootstrap, args=(task,), name=name, daemon=True)
        task.thread.start()
        return task

    def _bootstrap(self, task: _Task) -> None:
        task.ident = _get_ident()
        self.by_ident[task.ident] = task
        self.program.instrument_thread(self)
        task.gate.acquire()  # wait for the first turn
        try:
            if not self.aborted:
                task.value = task.func()
        except _Abort:
            pass
        except BaseException as error:  # reported by the explorer, with the interleaving
            if not self.aborted:
                task.error = error
        finally:
            self.program.uninstrument_thread()
            self._task_done(task)

    def _task_done(self, task: _Task) -> None:
        self._settle_store(task)
        task.state = "done"
        if self.aborted:
            return
        nxt = self._pick()
        if nxt is not None:
            self._hand_to(nxt)
        elif all(t.state == "done" for t in self.tasks):
            self.current = None
            self.finished.release()
        else:
            self._nobody_can_run()

    def start(self) -> None:
        first = self._pick()
        if first is None:
            self.finished.release()
        else:
            self._hand_to(first)

    # ---- choosing who runs

    def _pick(self) -> _Task | None:
        runnable = [t for t in self.tasks if t.can_run(self.clock)]
        if not runnable:
            timed = [t for t in self.tasks if t.state == "blocked" and t.deadline is not None]
            if not timed:
                return None
            self.clock = max(self.clock, min(t.deadline for t in timed))
            runnable = [t for t in self.tasks if t.can_run(self.clock)]
        return self.strategy.choose(runnable) if runnable else None

    def _hand_to(self, nxt: _Task) -> None:
        self.current = nxt
        self.last_progress = _real_clock()
        nxt.gate.release()

    def _switch(self, me: _Task, nxt: _Task) -> None:
        """Give the turn to ``nxt`` and wait until it comes back to ``me``."""
        me.parked = True
        self._hand_to(nxt)
        me.gate.acquire()
        me.parked = False

    def point(self, me: _Task, writes: bool = False, site: Hashable = None) -> None:
        """A switch point: maybe preempt the running thread. ``writes``: the step changes state.

        The point is named ``(site, how many times the threads have passed site)``, where ``site``
        says where it is in the learner's file in terms an edit elsewhere leaves alone (see
        ``Program._collect``); the strategy decides by that name, not by the step's number, so an
        added ``print`` (no switch point) or line (its own sites) moves no other point. The count
        is over all threads, not per thread: a point drawn from schedule 0, where thread A went
        first, then also fires when a seed lets thread B go first (measured: per-thread names
        halved the share of seeds finding a lock made for a key outside the lock, 21 % → 11.5 %).
        """
        self.steps += 1
        self._settle_store(me)  # a write shows the value it wrote, before another thread can change it
        count = self.passes[site] = self.passes.get(site, 0) + 1
        point = (site, count)
        self.points.append(point)
        if writes:
            self.pool.append(point)
        self.last_progress = _real_clock()
        if self.steps > self.max_steps:
            self._over_the_limit(me)
        if self.strategy.preempt_at(point):
            others = [t for t in self.tasks if t is not me and t.can_run(self.clock)]
            if others:
                self._switch(me, self.strategy.choose(others))

    def spin(self, me: _Task) -> None:
        """A loop went round: counted toward the step limit, but not a place to preempt."""
        self.spins += 1
        self.last_progress = _real_clock()
        if self.spins > self.max_steps:
            self._over_the_limit(me)

    def _over_the_limit(self, me: _Task) -> None:
        """End the schedule and park the spinning thread for good: it is idle from now on.

        This runs inside a trace or monitoring callback, where raising is not safe, so the
        thread is not unwound; it is a daemon thread that never runs again.
        """
        self.stop("steps", f"the threads took more than {self.max_steps} steps without finishing")
        me.stuck = True
        me.gate.acquire()

    def block(self, me: _Task, until: Callable[[], bool], what: str, deadline: float | None = None) -> bool:
        """Wait (letting other threads run) until ``until()`` holds; False if ``deadline`` passed first."""
        me.until, me.deadline, me.waiting_for = until, deadline, what
        me.where = self.program.learner_line()
        shown = False
        try:
            while True:
                if self.aborted:
                    raise _Abort
                if until():
                    return True
                if deadline is not None and self.clock >= deadline:
                    return False
                if not shown:
                    self.record(me, me.where, what)
                    shown = True
                me.state = "blocked"
                nxt = self._pick()
                if nxt is None:
                    self._nobody_can_run()
                    raise _Abort
                if nxt is not me:
                    self._switch(me, nxt)
                me.state = "runnable"
        finally:
            me.state = "runnable"
            me.until, me.deadline = None, None

    def stop(self, kind: str, message: str) -> None:
        """End this schedule: every parked thread is let go and unwinds at its next sync call."""
        if self.outcome is None:
            self.outcome = (kind, message)
        if self.aborted:
            return
        self._let_go()

    def _let_go(self) -> None:
        """Mark the schedule over, release every thread waiting for a turn, and wake the check."""
        self.aborted = True  # the threads let go unwind at their next sync call
        for task in self.tasks:
            if task.parked or (task is not self.current and task.state != "done" and task.gate.locked()):
                task.parked = False  # parked, or never given its first turn
                try:
                    task.gate.release()
                except RuntimeError:
                    pass
        try:
            self.finished.release()
        except RuntimeError:
            pass

    def after_abort(self) -> None:
        """An instruction of a thread let go after the schedule ended: it should unwind at its
        next sync call; one that spins instead is parked for good after a while."""
        task = self.by_ident.get(_get_ident())
        if task is None:
            return
        task.spins_after_abort += 1
        if task.spins_after_abort > self.max_steps:
            task.stuck = True
            task.gate.acquire()

    def _nobody_can_run(self) -> None:
        """Every thread left is waiting: a deadlock if one of the scenario's threads is among them.

        Threads the learner's code started on its own (at import, say) and left waiting do not
        keep a finished scenario from its verdict: the schedule ends and they are let go.
        """
        if any(t.in_plan and t.state != "done" for t in self.tasks):
            self._deadlock()
            return
        self._let_go()
        self.current = None

    def _deadlock(self) -> None:
        waiting = [t for t in self.tasks if t.state == "blocked"]
        self.deadlocked = [t.name for t in waiting]
        self.cycle = bool(waiting) and all(t.waits_on is not None and t.waits_on._owner in waiting for t in waiting)
        lines = []
        for task in waiting:
            source = self.program.source_of(task.where)
            holds = [self.name_of(lock) for lock in task.held]
            held = f", holding {', '.join(holds)}" if holds else ""
            at = f", at line {task.where} `{source}`" if task.where else ""
            lines.append(f"  thread {task.name}{at}{held}, {task.waiting_for}")
        self.stop("deadlock", "Every thread is waiting and none can go on — a deadlock:\n" + "\n".join(lines))

    # ---- the trace

    def record(self, me: _Task, line: int, note: str | None = None,
               access: tuple[int, str, str, str] | None = None) -> Step:
        self._settle_store(me)
        last = self.trace[-1] if self.trace else None
        if not line and not note and last is not None:
            return last  # nothing to show: a step outside the learner's file
        if last is not None and last.thread == me.name and last.line == line:
            step = last
        else:
            step = Step(me.name, line)
            self.trace.append(step)
        if note and note not in step.notes[-1:]:
            step.notes.append(note)
        if access is not None:
            step.accesses.append(access)
        return step

    def _settle_store(self, me: _Task) -> None:
        if me.pending is not None:
            obj, attr, step = me.pending
            me.pending = None
            shown = _shown(_attribute(obj, attr))
            if shown is not None:
                step.notes.append(f"writes {attr} = {shown}")
                step.accesses.append((id(obj), "writes", attr, shown))

    def sync(self, me: _Task, note: str | None = None) -> None:
        """A synchronisation call by a learner thread: a switch point and a step of the trace."""
        self.point(me, True, self.program.site_of())
        if self.aborted:
            raise _Abort
        self.note(me, note)

    def note(self, me: _Task, text: str | None) -> None:
        """A step of the trace at the learner's line, saying what a sync call did."""
        self.record(me, self.program.learner_line(), text)

    def released(self, me: _Task, text: str) -> None:
        """A release (unlock, set, semaphore release): a step, then a switch point just after it."""
        if not self.aborted:
            self.note(me, text)
            self.point(me, True, self.program.site_of())

    def name_of(self, obj: Any) -> str:
        label = getattr(obj, "_kata_label", None)
        if label:
            return label
        return f"the {type(obj).__name__} made at line {getattr(obj, '_kata_line', '?')}"



#: The schedule running now, if any: the stand-in primitives find it here.
_active: Schedule | None = None


def _context() -> tuple[Schedule | None, _Task | None]:
    schedule = _active
    if schedule is None:
        return None, None
    return schedule, schedule.task()
