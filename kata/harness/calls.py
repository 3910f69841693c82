"""Calling learner code with a bound: a watched call, threads released together, and the report of where each thread waits when one hangs."""

from __future__ import annotations

import functools
import itertools
import linecache
import os
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from kata.harness import deadlocks
from kata.harness.timing import QUICK, SETTLE, real_sleep
from kata.harness.wording import HUNG, HUNG_AGAIN, HUNG_FOR_GOOD, HUNG_LOCKED, fail, natural

#: Threads alive when the current check started (set by conftest): their stories belong to earlier checks.
#: By ident, the Thread objects themselves: an ident that a new thread reuses is not an old thread.
_threads_before: dict[int, threading.Thread] = {}

#: The threads the checks themselves start (callers, workers): never the learner's to join.
_own_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()

#: The name of the check running now (set by the plugin), so a later report can point at this one.
_current_check = [""]

#: How long every thread of a check must stand still, one of those waited for on a line of the
#: learner's file where an earlier check already proved a hang, before the check stops waiting.
#: A third of the settling time: the code was already shown to hang there, so this look only has
#: to see that nothing moves (and says so), not prove the hang afresh.
SAME_HANG = SETTLE / 3

#: How long every thread of a check must wait with no timeout before the check calls the wait one
#: that can never end: the settling time a call gets to show it waits, so that a thread just woken,
#: still waiting for the CPU under load, is not taken for one waiting for good.
FOR_GOOD_STILL = SETTLE

#: How long a cleanup (:meth:`Call.finish`) lets the learner's code stand still before it gives up:
#: a cleanup judges nothing, so a shorter look than :data:`FOR_GOOD_STILL` is enough.
CLEANUP_STILL = SETTLE / 3

#: How often a bounded wait looks at the threads.
_LOOK_EVERY = 0.02


def check_started(name: str = "") -> None:
    """Remember which threads already exist, so reports about this check leave them out."""
    _threads_before.clear()
    _threads_before.update((t.ident, t) for t in threading.enumerate() if t.ident is not None)
    _exercise_files.clear()
    _current_check[0] = name


def _earlier(ident: int, now: dict[int, threading.Thread]) -> bool:
    """True if the thread with ``ident`` is one that was already alive when this check started."""
    before = _threads_before.get(ident)
    return before is not None and now.get(ident, before) is before


def own_thread(thread: threading.Thread) -> threading.Thread:
    """Mark ``thread`` as started by the checks (not by the learner's code); return it."""
    _own_threads.add(thread)
    return thread


def learners_leftovers(threads: Iterable[threading.Thread]) -> list[threading.Thread]:
    """Those of ``threads`` the learner's code started: not the checks' callers and workers."""
    return [t for t in threads if t not in _own_threads and not t.name.startswith("kata-")]


LearnerPath = tuple[tuple[str, int, str], ...]  # (function, line, source) of each frame in the learner's files, outermost first


class _Hang(NamedTuple):
    """A hang a check proved: where the threads it waited for stood, and which check saw it."""

    check: str
    paths: frozenset[LearnerPath]


#: Hangs proved so far, by learner file: later waits on the same place fail at once.
_hangs: dict[str, list[_Hang]] = {}

#: Where cleanups (:meth:`Call.finish`) gave up on the learner's code: a later cleanup standing there gives up at once.
_given_up: set[LearnerPath] = set()


#: Where the checks' own code lives: a thread running it (a held factory, a gate, a timer) may
#: be about to let the learner's code go on, so the learner's code is not standing still.
_CHECK_CODE = tuple(str(Path(__file__).resolve().parents[2] / folder) + os.sep for folder in ("kata", "tests"))

#: The harness's stand-ins for a lock (acquire, release, ``with``) and its forced thread switch:
#: a thread blocked in one of those waits as it would on the real lock, so it is no agent.
_STANDINS = frozenset({"__enter__", "__exit__", "acquire", "release", "maybe_switch"})
_HARNESS = str(Path(__file__).resolve().parent) + os.sep

#: Stands for "some thread of this check is in the checks' own code" in a snapshot.
_CHECKS_BUSY = -1


def _learner_stacks(files: set[str], idents: set[int] | None = None) -> dict[int, tuple[LearnerPath, tuple[int, int]]]:
    """For each thread of this check inside ``files``: its path there and where its innermost frame there stands.

    Without ``idents``, every thread of this check but the calling one is looked at, and a thread
    running the checks' own code (not merely called from it, further out) adds a
    :data:`_CHECKS_BUSY` entry, so that no snapshot taken then counts as the code standing still.
    """
    stacks: dict[int, Any] = {}
    me = threading.get_ident()
    now = {t.ident: t for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if _earlier(ident, now) or ident == me or (idents is not None and ident not in idents):
            continue
        mine, inner_checks = [], False
        while frame is not None:
            if frame.f_code.co_filename in files:
                mine.append(frame)
            elif not mine and frame.f_code.co_filename.startswith(_CHECK_CODE):
                code = frame.f_code
                inner_checks |= not (code.co_filename.startswith(_HARNESS) and code.co_name in _STANDINS)
            frame = frame.f_back
        if inner_checks and idents is None:
            stacks[_CHECKS_BUSY] = (ident, time.monotonic())
        if mine:
            path = tuple((f.f_code.co_name, f.f_lineno or 0, _source(f)) for f in reversed(mine))  # no line at some instructions
            stacks[ident] = (path, (id(mine[0]), mine[0].f_lasti))
    return stacks


def _source(frame: Any) -> str:
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip() if frame.f_lineno else ""


def remember_hang(files: Iterable[str], waited: Iterable[threading.Thread] | None) -> None:
    """Record where ``waited`` (by default every thread of this check) stand in ``files``, as a hang
    this check has proved and reported: later bounded waits standing there fail at once."""
    files = set(files)
    idents = None if waited is None else {t.ident for t in waited if t.ident is not None}
    paths = frozenset(path for path, _ in _learner_stacks(files, idents).values())
    if paths:
        for file in files:
            _hangs.setdefault(file, []).append(_Hang(_current_check[0], paths))


def _matches(path: LearnerPath, known: LearnerPath) -> bool:
    """True if ``path`` ends in the place ``known`` was proved to hang (called the same way, or from further out)."""
    return len(path) >= len(known) and path[len(path) - len(known):] == known


#: The threading functions a thread blocks in when it waits: with no timeout there, only another thread can end the wait.
_WAITS = frozenset({"wait", "join", "_wait_for_tstate_lock"})


def _waiting_for_good() -> dict[int, tuple[int, int]] | None:
    """Where each thread of this check waits, if every one of them waits in ``threading`` with no
    timeout (a Condition, an Event, a Semaphore, a queue, a join); else None.

    Called from the main thread, which runs the check and is itself only waiting, this proves
    that no thread is left to end those waits, as long as the snapshot stays the same.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    waits = {}
    now = {t.ident: t for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if _earlier(ident, now) or ident == threading.get_ident():
            continue
        code = frame.f_code
        if code.co_filename != threading.__file__ or code.co_name not in _WAITS or frame.f_locals.get("timeout", 0) not in (None, -1):
            return None
        waits[ident] = (id(frame), frame.f_lasti)
    return waits or None


def _quietly(look: Callable[[], Any], nothing: Any = False) -> Any:
    """``look()``, or ``nothing`` if it raised: a look at frames that moved meanwhile proves nothing, and must not fail the check."""
    try:
        return look()
    except Exception:
        return nothing


def _no_wake_pending() -> bool:
    """True if every thread of this check waits in ``threading`` with no timeout and no wake-up is on
    its way to any of them (see :func:`no_wake_pending`). Called from the main thread only.

    A thread just notified but not yet given the CPU looks like a waiting one to
    :func:`_waiting_for_good`; here it does not, so two looks that agree prove the wait is for good
    without watching it stand still for :data:`FOR_GOOD_STILL`.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    now = {t.ident: t for t in threading.enumerate()}
    return no_wake_pending(t for ident, t in now.items() if not _earlier(ident, now) and ident != threading.get_ident())


def no_wake_pending(threads: Iterable[threading.Thread], also_stuck: Iterable[threading.Thread] = ()) -> bool:
    """True if each of ``threads`` (at least one) waits in ``threading`` with no timeout and no wake-up
    is on its way to it: a Condition wait (an Event, a Semaphore or a queue wait is one) still has its
    waiter lock taken and listed by its Condition, so no notify has reached it, and a join is of one
    of ``threads`` or ``also_stuck`` (threads the caller knows will not end by themselves) that is
    still running. One look; two that agree, with no thread able to wake these between them, prove
    the waits are for good.
    """
    threads = list(threads)
    frames = sys._current_frames()
    known = {t.ident for t in threads} | {t.ident for t in also_stuck}
    for thread in threads:
        frame = frames.get(thread.ident)  # type: ignore[arg-type]
        if frame is None:
            return False
        code, names = frame.f_code, frame.f_locals
        if code.co_filename != threading.__file__ or names.get("timeout", 0) not in (None, -1):
            return False
        if code.co_name == "wait":
            condition, waiter = names.get("self"), names.get("waiter")
            if not isinstance(condition, threading.Condition) or waiter is None or not waiter.locked():
                return False
            if not any(w is waiter for w in tuple(condition._waiters)):  # type: ignore[attr-defined]
                return False
        elif code.co_name in ("join", "_wait_for_tstate_lock"):
            joined = names.get("self")
            if not isinstance(joined, threading.Thread) or joined.ident not in known or not joined.is_alive():
                return False
        else:
            return False
    return bool(threads)


def standing(threads: Iterable[threading.Thread], also_stuck: Iterable[threading.Thread] = ()) -> dict[int, tuple[int, int]] | None:
    """Where each of ``threads`` (at least one) stands, if none of them can move by itself: each
    waits in ``threading`` with no timeout and no wake-up on its way (see :func:`no_wake_pending`,
    ``also_stuck`` as there), or waits on a line of the learner's file to take a ``threading.Lock``
    that is held (see :func:`kata.harness.deadlocks.waiting_to_take`); else None. Two looks that
    agree, with no thread able to move these between them, prove they stay where they are.
    """
    threads = list(threads)
    files = _lock_files()
    try:
        blocked = deadlocks.waiting_to_take(files, {t.ident for t in threads if t.ident is not None}, _HARNESS) if files else set()
    except Exception:  # a look at frames that moved meanwhile proves nothing
        return None
    waiting = [t for t in threads if t.ident not in blocked]
    if waiting and not _quietly(functools.partial(no_wake_pending, waiting, [*threads, *also_stuck])):
        return None
    frames = sys._current_frames()
    where = {}
    for thread in threads:
        frame = frames.get(thread.ident)  # type: ignore[arg-type]
        if frame is None:
            return None
        where[thread.ident] = (id(frame), frame.f_lasti)
    return where or None


def _lock_files() -> set[str]:
    """The learner's files whose ``with`` blocks the lock proofs read: the exercise's, and any a hang was reported in."""
    return set(_hangs) | set(_exercise_files)


def still_looks(looks: list[dict[int, tuple[int, int]]], look: dict[int, tuple[int, int]] | None) -> list[dict[int, tuple[int, int]]]:
    """The run of looks (see :func:`standing`) that agree, ending with ``look``: empty once a look finds a thread able to move."""
    if look is None:
        return []
    return [*looks, look] if looks and looks[-1] == look else [look]


def until_or_standing(done: Callable[[], bool], limit: float, parked: Callable[[], Iterable[threading.Thread]] = tuple) -> bool | None:
    """Poll ``done()`` until it is true (True), ``limit`` seconds pass (False), or sooner (None) once
    two looks in a row find every thread of this check, but the ones ``parked()`` names (held where
    they are by the check itself), standing where it was (see :func:`standing`): then nothing of the
    learner's code can make ``done()`` true until the check lets the parked ones go."""
    deadline, looks = time.monotonic() + limit, []
    while not done():
        if time.monotonic() >= deadline:
            return False
        if len(looks) >= 2:
            return None
        real_sleep(0.01)
        held = set(parked())
        looks = still_looks(looks, standing([t for t in check_threads() if t not in held]))
    return True


def check_threads() -> list[threading.Thread]:
    """The threads started since the current check began, but the one asking."""
    now = {t.ident: t for t in threading.enumerate()}
    return [t for ident, t in now.items() if ident is not None and not _earlier(ident, now) and t is not threading.current_thread()]


class _Verdict(NamedTuple):
    """Why :func:`_wait_watching` stopped before its limit: ``kind`` is one of the constants below."""

    kind: str
    text: str = ""  # AGAIN: the whole message; LOCKS: the story of the waits; FOR_GOOD: how it was seen
    threads: frozenset[int] = frozenset()  # LOCKS: the threads proved stuck


#: The kinds of :class:`_Verdict`: the same hang as an earlier report; every thread waiting with no
#: timeout; threads waiting for locks that no thread can release.
AGAIN, FOR_GOOD, LOCKS = "again", "for good", "locks"


def _stuck_on_locks(files: set[str], waited_ids: set[int]) -> tuple[frozenset[int], str]:
    """The waited-for threads that wait for locks no thread can release, and the story of the first one's waits."""
    now = {t.ident: t for t in threading.enumerate()}
    mine = {ident for ident in sys._current_frames() if not _earlier(ident, now) and ident != threading.get_ident()}
    try:
        stuck = deadlocks.stuck_on_locks(files, mine, _HARNESS)
    except Exception:  # a look at frames that moved meanwhile proves nothing, and must not fail the check
        return frozenset(), ""
    waited = sorted((ident for ident in stuck if ident in waited_ids), key=lambda i: natural(now[i].name) if i in now else ())
    if not waited:
        return frozenset(), ""
    return frozenset(waited), deadlocks.story(stuck[waited[0]], {i: t.name for i, t in now.items()})


def _again(hang: _Hang, files: set[str], match: LearnerPath, why: str) -> _Verdict:
    function, line, source = match[-1]
    where = f"{Path(next(iter(files))).name if len(files) == 1 else 'your file'} line {line}, in {function}: {source}"
    return _Verdict(AGAIN, HUNG_AGAIN.format(check=hang.check or "an earlier check", where=where, why=why))


def _wait_watching(wait: Callable[[float], bool], limit: float, files: Iterable[str], waited: Iterable[threading.Thread]) -> tuple[bool, _Verdict | None]:
    """Wait up to ``limit`` seconds; ``(True, None)`` once done, ``(False, None)`` at the limit, or sooner
    ``(False, verdict)``, looking at the threads every :data:`_LOOK_EVERY` seconds:

    * ``LOCKS`` once two looks in a row, with nothing moved between them, prove that a thread waited
      for waits for a lock no thread can release (see :mod:`kata.harness.deadlocks`);
    * ``AGAIN`` (the whole message) once a thread waited for has stood :data:`SAME_HANG` seconds
      where an earlier check proved a hang, with no thread of this check moving in the learner's
      file and none running the checks' own code meanwhile, or stands there stuck on locks;
    * ``FOR_GOOD`` once every thread of this check has waited :data:`FOR_GOOD_STILL` seconds
      with no timeout (see :func:`_waiting_for_good`), or sooner once two looks in a row find no
      wake-up on its way to any of them (see :func:`_no_wake_pending`): no wait can end, so the
      limit is not awaited.
    """
    files = set(files)
    known = [hang for file in files for hang in _hangs.get(file, ())]
    waited_ids = {t.ident for t in waited if t.ident is not None}
    started = time.monotonic()
    deadline = started + limit
    last, still_since, locked_before = None, started, None
    waits_before, waiting_since, quiet = None, started, 0
    while True:
        left = deadline - time.monotonic()
        if wait(min(_LOOK_EVERY, max(0.0, left))):  # asked even with no time left: a finished call has finished
            return True, None
        if left <= 0:
            return False, None
        for_good = _waiting_for_good()
        if for_good != waits_before:
            waits_before, waiting_since, quiet = for_good, time.monotonic(), 0
        elif for_good:
            quiet = quiet + 1 if _quietly(_no_wake_pending) else 0
        long_enough = time.monotonic() - waiting_since >= FOR_GOOD_STILL
        proved_for_good = for_good and (long_enough or quiet >= 2) and waited_ids & set(for_good)
        for_good_verdict = _Verdict(FOR_GOOD, "and none has been woken" if quiet >= 2 else f"for {FOR_GOOD_STILL:g} s")
        stacks = (_learner_stacks(files) if files else {}, for_good)
        moved = stacks != last
        if moved:
            last, still_since, locked_before = stacks, time.monotonic(), None
        locked = _stuck_on_locks(files, waited_ids) if files and not moved else (frozenset(), "")
        proved = locked[0] and locked == locked_before
        locked_before = locked
        still = 0.0 if moved else time.monotonic() - still_since
        if proved or proved_for_good or still >= SAME_HANG:
            for hang in known:  # the same hang as a report above: say so, in the same words each time
                for ident, (path, _) in stacks[0].items():
                    if ident not in waited_ids or ident == _CHECKS_BUSY:
                        continue
                    if ident in locked[0] and proved:
                        why = "waiting for a lock that no thread can release"
                    elif proved_for_good:
                        why = "waiting with no timeout where no thread can wake it"
                    elif still >= SAME_HANG:
                        why = f"and nothing in your file moved for {SAME_HANG:g} s"
                    else:
                        continue
                    match = next((k for k in hang.paths if _matches(path, k)), None)
                    if match:
                        return False, _again(hang, files, match, why)
        if proved:
            return False, _Verdict(LOCKS, locked[1], locked[0])
        if proved_for_good:
            return False, for_good_verdict


def _fail_unfinished(verdict: _Verdict | None, what: str, limit: float, advice: str, files: Iterable[str],
                     among: Iterable[threading.Thread] | None, waited: Iterable[threading.Thread]) -> None:
    """Fail the check for a wait that did not finish: with the verdict's words, or as a call that did not return in time."""
    __tracebackhide__ = True
    if verdict is None:
        fail(hung(what, limit, advice, files, among, waited=waited))
    if verdict.kind == AGAIN:
        fail(verdict.text)
    if verdict.kind == LOCKS:
        message = HUNG_LOCKED.format(what=what, story=verdict.text, it="them" if "; " in verdict.text else "it")
        waited = [t for t in waited if t.ident in verdict.threads]
    else:
        message = HUNG_FOR_GOOD.format(what=what, how=verdict.text)
    message += " " + advice if advice else ""
    if files:
        message += "\nWhere the threads are:\n" + where_threads_wait(files, among)
        remember_hang(files, waited)
    fail(message)


def where_threads_wait(files: Iterable[str], among: Iterable[threading.Thread] | None = None) -> str:
    """One line per thread this check started that is inside the given files: its name and the line it is on.

    With ``among``, only those threads are listed (not the ones the learner's code started).
    """
    files = set(files)
    names = {t.ident: t.name for t in threading.enumerate()}
    wanted = None if among is None else {t.ident for t in among}
    lines = []
    now = {t.ident: t for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if _earlier(ident, now) or (wanted is not None and ident not in wanted):
            continue
        for entry in traceback.extract_stack(frame)[::-1]:
            if entry.filename in files:
                source = (entry.line or "").strip()
                lines.append(
                    f"  thread {names.get(ident, ident)!r} is at {Path(entry.filename).name} "
                    f"line {entry.lineno}, in {entry.name}: {source}"
                )
                break
    if not lines:
        return "  (no thread is inside your file right now)" if among is None else "  (none of them is inside your file right now)"
    return "\n".join(sorted(lines, key=natural))


def hung(what: str, seconds: float, advice: str = "", files: Iterable[str] = (), among: Iterable[threading.Thread] | None = None,
         *, waited: Iterable[threading.Thread] | None = None) -> str:
    """The message for a call that did not return in time, with where each thread (of ``among``, if given) is stuck.

    Where the threads ``waited`` for (by default every thread of this check in ``files``) stand is
    remembered: a later bounded wait whose thread stands still on the same lines fails at once.
    """
    message = HUNG.format(what=what, seconds=seconds)
    if advice:
        message += " " + advice
    if files:
        message += "\nWhere the threads are:\n" + where_threads_wait(files, among)
        remember_hang(files, waited if waited is not None else among)
    return message


class Outcome(NamedTuple):
    """What a call did: the value it returned, or the exception it raised (unpacks as ``value, error``)."""

    value: Any = None
    error: BaseException | None = None

    @property
    def raised(self) -> bool:
        return self.error is not None

    def get(self) -> Any:
        """The value, or the exception raised again."""
        __tracebackhide__ = True
        if self.error is not None:
            raise self.error
        return self.value

    @classmethod
    def of(cls, func: Callable[..., Any], *args: Any, catch: tuple[type[BaseException], ...] = (Exception,), **kwargs: Any) -> Outcome:
        """Call ``func`` right here, unbounded (an explorer scenario's thread, say): the exceptions
        in ``catch`` become the outcome; any other, and a stub's NotImplementedError, pass through."""
        try:
            return cls(func(*args, **kwargs))
        except NotImplementedError:
            raise
        except catch as error:
            return cls(error=error)


#: The exercise module the current check imported (set by the plugin's ``exercise`` fixture):
#: a hang report lists the threads inside its file unless a call names other files.
_exercise_files: list[str] = []


def exercise_loaded(module: Any) -> None:
    """Make ``module``'s file the one hang reports of this check look in by default."""
    _exercise_files[:] = [module.__file__]


def _files(files: Iterable[str] | None) -> Iterable[str]:
    return _exercise_files if files is None else files


class Call:
    """Run ``func(*args, **kwargs)`` in a new non-daemon thread and watch it with bounded waits.

    The caller thread is non-daemon, like a program's main thread, so threads the learner's
    code creates inherit ``daemon=False`` exactly as they would when called from ``main``.
    Every way of collecting what it did takes the same keywords: ``what`` (the call as the
    learner reads it), ``advice`` (a question added when it hangs), ``files`` (whose threads a
    hang report lists; by default the exercise's file, ``()`` for none) and ``limit`` (seconds).
    """

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.value: Any = None
        self.error: BaseException | None = None
        self._finished = threading.Event()
        self.thread = own_thread(threading.Thread(target=self._run, args=args, kwargs=kwargs, name="kata-caller", daemon=False))
        self.thread.start()

    def _run(self, *args: Any, **kwargs: Any) -> None:
        try:
            self.value = self.func(*args, **kwargs)
        except BaseException as error:  # handed to the check, which re-raises it
            self.error = error
        finally:
            self._finished.set()

    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float) -> bool:
        """True if the call has finished within ``timeout`` seconds."""
        return self._finished.wait(timeout)

    def finish(self, timeout: float) -> bool:
        """For a cleanup, never a verdict: wait at most ``timeout`` seconds for the call to finish,
        giving up sooner once it and every other thread of this check in the exercise's file have
        stood still there for :data:`CLEANUP_STILL` seconds, or for two looks while every thread of
        the check waits with no timeout, or at the first look that finds it where a check or an
        earlier cleanup saw the code hang. True if it finished."""
        deadline = time.monotonic() + timeout
        files = set(_exercise_files)
        last, still_since = None, time.monotonic()
        while not self._finished.wait(min(_LOOK_EVERY, max(0.0, deadline - time.monotonic()))):
            now = time.monotonic()
            if now >= deadline:
                return False
            stacks = (_learner_stacks(files), _waiting_for_good())
            mine = stacks[0].get(self.thread.ident)  # type: ignore[arg-type]
            path = mine[0] if mine is not None else None
            if path in _given_up or any(_matches(path, k) for file in files for hang in _hangs.get(file, ()) for k in hang.paths if path):
                return False  # where the code hung before: no need to watch it stand still again
            if stacks != last:
                last, still_since = stacks, now
                continue
            if path is not None and (stacks[1] or now - still_since >= CLEANUP_STILL):
                _given_up.add(path)
                return False
        return True

    def wait_unless_proved(self, limit: float, *, what: str, advice: str = "", files: Iterable[str] | None = None) -> bool:
        """True if the call finishes within ``limit`` seconds, False if not; but a failure saying so,
        sooner, once the wait is proved endless (a cycle of lock waits, every thread waiting for good,
        a hang reported before; see :func:`_wait_watching`): the check's own story of a slow call is
        told only when nothing else was proved."""
        __tracebackhide__ = True
        finished, verdict = _wait_watching(self._finished.wait, limit, _files(files), [self.thread])
        if not finished and verdict is not None:
            _fail_unfinished(verdict, what, limit, advice, _files(files), None, [self.thread])
        return finished

    def outcome(self, *, what: str, advice: str = "", files: Iterable[str] | None = None, limit: float = QUICK,
                catch: tuple[type[BaseException], ...] = (BaseException,)) -> Outcome:
        """What the call did, once it has finished; a failure naming where the threads wait if it
        does not finish within ``limit``. A stub's NotImplementedError, and any exception not in
        ``catch``, is raised again here."""
        __tracebackhide__ = True
        finished, verdict = _wait_watching(self._finished.wait, limit, _files(files), [self.thread])
        if not finished:
            _fail_unfinished(verdict, what, limit, advice, _files(files), None, [self.thread])
        error = self.error
        if error is not None and (isinstance(error, NotImplementedError) or not isinstance(error, catch)):
            raise error
        return Outcome(self.value, error)

    def result(self, *, what: str, advice: str = "", files: Iterable[str] | None = None, limit: float = QUICK) -> Any:
        """The call's return value; its exception raised again; a failure naming where the threads wait if it hangs."""
        __tracebackhide__ = True
        return self.outcome(what=what, advice=advice, files=files, limit=limit).get()


def _named(func: Any) -> str:
    return f"{getattr(func, '__name__', func)}()"


def bounded(func: Callable[..., Any], /, *args: Any, what: str = "", advice: str = "", files: Iterable[str] | None = None,
            limit: float = QUICK, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` in a watched thread: its value, or its exception raised again; see :class:`Call`."""
    __tracebackhide__ = True
    return Call(func, *args, **kwargs).result(what=what or _named(func), advice=advice, files=files, limit=limit)


def outcome(func: Callable[..., Any], /, *args: Any, what: str = "", advice: str = "", files: Iterable[str] | None = None,
            limit: float = QUICK, catch: tuple[type[BaseException], ...] = (BaseException,), **kwargs: Any) -> Outcome:
    """``func(*args, **kwargs)`` in a watched thread: the :class:`Outcome` (value or exception); see :meth:`Call.outcome`."""
    __tracebackhide__ = True
    return Call(func, *args, **kwargs).outcome(what=what or _named(func), advice=advice, files=files, limit=limit, catch=catch)


_worker_numbers = itertools.count(1)  # unique names: threads a hung check left behind are not confused with new ones


def run_together(workers: list[Callable[[], Any]], *, what: str = "", advice: str = "", files: Iterable[str] | None = None, limit: float = QUICK,
                 only_workers: bool = False) -> list[Any]:
    """Start one thread per worker, release them together at a barrier, and return their results.

    A worker's exception is raised again here; a worker still running after ``limit``
    seconds fails the check with the place each thread is stuck (in ``files``, by default the
    exercise's file; with ``only_workers``, leaving out threads the learner's code started).
    """
    __tracebackhide__ = True
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException | None] = [None] * len(workers)

    def body(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(limit)
            results[index] = work()
        except BaseException as error:  # handed to the check, which re-raises it
            errors[index] = error

    first = next(_worker_numbers)
    threads = [own_thread(threading.Thread(target=body, args=(i, w), name=f"kata-worker-{first}.{i}", daemon=True)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    what = what or f"{len(workers)} threads working together"
    finished, verdict = _wait_watching(_all_joined(threads, limit), limit, _files(files), threads)
    if not finished:
        _fail_unfinished(verdict, what, limit, advice, _files(files), threads if only_workers else None, threads)
    for error in errors:
        if error is not None:
            raise error
    return results


def _all_joined(threads: list[threading.Thread], limit: float) -> Callable[[float], bool]:
    """A wait for :func:`_wait_watching`: join ``threads`` for up to the given seconds, never past ``limit`` from now; True once all have ended."""
    deadline = time.monotonic() + limit

    def joined(timeout: float) -> bool:
        return not join_all(threads, min(timeout, max(0.0, deadline - time.monotonic())))

    return joined


def ended(threads: list[threading.Thread], limit: float, *, files: Iterable[str] | None = None) -> tuple[list[threading.Thread], str]:
    """Wait up to ``limit`` seconds, watched as a bounded call is, for ``threads`` to end.

    Returns those still alive and how long they were seen running, for the check's own message:
    ``"1 s later"``, or, when waiting longer could not help, that they wait with no timeout or for a
    lock no thread can release. Where they stand is remembered as a hang; at a hang reported before,
    the check fails at once with the same words as every other wait there.
    """
    __tracebackhide__ = True
    finished, verdict = _wait_watching(_all_joined(threads, limit), limit, _files(files), threads)
    alive = [t for t in threads if t.is_alive()]
    if finished or not alive:
        return [], ""
    if verdict is None:
        return alive, f"{limit:g} s later"
    if verdict.kind == AGAIN:
        fail(verdict.text)
    remember_hang(_files(files), alive)
    if verdict.kind == LOCKS:
        return alive, f"and can never end: {verdict.text}"
    return alive, f"and can never end: every thread of this check has been waiting with no timeout {verdict.text}, so none is left to wake the others"


def waiting_for_good(threads: Iterable[threading.Thread]) -> bool:
    """True if each of ``threads`` stands, over two looks :data:`_LOOK_EVERY` apart, in a ``threading``
    wait with no timeout (a thread the runaway guard parked does too) or waits for a lock no thread
    can release: none of them is about to end."""
    threads = list(threads)
    files = _lock_files()

    def waits() -> dict[int, tuple[int, int]] | None:
        frames = sys._current_frames()
        try:
            locked = deadlocks.stuck_on_locks(files, {t.ident for t in threads if t.ident is not None}, _HARNESS) if files else {}
        except Exception:  # frames that moved meanwhile: nothing proved
            locked = {}
        found = {}
        for thread in threads:
            frame = frames.get(thread.ident)  # type: ignore[arg-type]
            if frame is None:
                return None
            if thread.ident not in locked and (
                frame.f_code.co_filename != threading.__file__ or frame.f_code.co_name not in _WAITS
                or frame.f_locals.get("timeout", 0) not in (None, -1)
            ):
                return None
            found[thread.ident] = (id(frame), frame.f_lasti)
        return found

    first = waits()
    if first is None:
        return False
    real_sleep(_LOOK_EVERY)
    return waits() == first


def join_all(threads: Iterable[threading.Thread], timeout: float = QUICK) -> list[threading.Thread]:
    """Join threads within one shared time budget; return those still alive."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        if thread.ident is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in threads if t.is_alive()]


def wait_until(condition: Callable[[], object], timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; return whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        real_sleep(0.002)
    return True


def waiting_frame(thread: threading.Thread) -> Any:
    """The frame of ``threading``'s ``wait()`` that ``thread`` is blocked in right now, else None.

    Condition.wait, Event.wait and Semaphore.acquire all block there, so this tells a thread
    that sleeps on a condition apart from one that is still running.
    """
    frame = sys._current_frames().get(thread.ident)  # type: ignore[arg-type]
    if frame is not None and frame.f_code.co_filename == threading.__file__ and frame.f_code.co_name == "wait":
        return frame
    return None


def taking_a_held_lock(thread: threading.Thread) -> bool:
    """True if ``thread`` waits right now, on a line of the learner's file, to take a held
    ``threading.Lock`` (see :func:`kata.harness.deadlocks.waiting_to_take`)."""
    return thread.ident in _quietly(lambda: deadlocks.waiting_to_take(_lock_files(), {thread.ident}, _HARNESS), set())


def waits_now(thread: threading.Thread) -> bool:
    """True if ``thread`` is blocked right now: in a threading wait, or taking a held Lock in the learner's file."""
    return waiting_frame(thread) is not None or taking_a_held_lock(thread)


def settle(call: Call, limit: float = SETTLE, previous: Any = None, *, locks: bool = False) -> Any:
    """Wait until ``call`` has finished or sleeps in a threading wait (a new one, if ``previous``
    is given), at most ``limit`` seconds; return that wait's frame or None. With ``locks``, a call
    waiting on a line of the learner's file to take a held ``threading.Lock`` has settled too (its
    innermost frame is returned): it cannot go on until the holder lets the lock go.

    Code that waits some other way (on an RLock, say, or in a loop) is given the whole ``limit``
    instead, so it is judged fairly, only more slowly.
    """
    deadline = time.monotonic() + limit
    while not call.done() and time.monotonic() < deadline:
        frame = waiting_frame(call.thread)
        if frame is not None and frame is not previous:
            return frame
        if locks and taking_a_held_lock(call.thread):
            return sys._current_frames().get(call.thread.ident)
        real_sleep(0.001)
    return None

