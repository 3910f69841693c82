"""Checks for exercise 04: a heartbeat beats regularly in a started daemon thread, sleeps between
beats, and lets the program end.

A heartbeat never stops by itself. So that none outlives its check, the beat() given here ends the
learner's loop with SystemExit (which ends a thread quietly) once the check is done; the check that
a program can end runs in a child interpreter.
"""

from __future__ import annotations

import contextlib
import json
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from kata import messages
from kata.harness import INTERVAL, WINDOW, bounded, clock_reads, expect, fail, real_sleep, spaced

#: Between beats a heartbeat thread that sleeps uses well under a millisecond of CPU time; one
#: that spins uses every bit of a core it is given, even on a crowded machine. Above this share of
#: the wall time, the heartbeat thread's own CPU time (``time.thread_time`` read in beat()) counts
#: as spinning.
BUSY_SHARE = 0.05
#: More clock reads than this from the learner's file within WINDOW means a loop polling the clock.
POLLS = 500
#: Seconds a child program gets to start, then for start_heartbeat to return, then to exit after its last line.
CHILD_START = 10.0
CHILD_RETURN = 2.0
CHILD_EXIT = 1.5
MARK = "@@threadkata-child@@"

RETURN_ADVICE = "It should start the thread and return at once, not run the loop itself: is it calling run() or join() instead of start()?"
DAEMON_ADVICE = (
    "A thread's daemon flag can only be chosen before start(): pass daemon=True to "
    "threading.Thread(...), or set thread.daemon = True before calling thread.start()."
)


#: Clocks a polling loop reads; reading one is cheap, so a loop that polls reads it thousands of times a second.


def test_returns_a_started_daemon_thread(exercise):
    with heartbeat(exercise) as (_, thread):
        expect(
            thread.ident is not None,
            f"{call(INTERVAL)} returned a thread that was never started: call its start() before returning it.",
        )
        expect(
            thread.daemon,
            f"{call(INTERVAL)} returned a thread with daemon=False. A heartbeat never ends, and Python waits "
            f"for every non-daemon thread before it exits, so this program could never end. {DAEMON_ADVICE}",
        )


def test_beats_about_every_interval_in_that_thread(exercise):
    with heartbeat(exercise) as (heart, thread):
        started = time.monotonic()
        real_sleep(WINDOW)
        elapsed = time.monotonic() - started
        beats = list(heart.beats)
        alive = thread.is_alive()
    times = [t for t, _ in beats]
    expected = elapsed / INTERVAL
    intro = f"{call(INTERVAL)}, then {elapsed:.2f} s later: beat() was called {len(beats)} time(s), expected about {expected:.0f}"
    expect(beats, intro + ". The thread never called beat(): does its target run the loop?")
    strangers = sorted({th.name for _, th in beats if th is not thread})
    expect(
        not strangers,
        f"{call(INTERVAL)}: beat() ran in thread(s) {', '.join(map(repr, strangers))}, not in the thread "
        f"{thread.name!r} that start_heartbeat returned. Every beat must come from that one thread.",
    )
    expect(
        alive,
        intro + " and then the thread ended. A heartbeat beats forever: loop around beat() and the wait.",
    )
    gap = statistics.median(b - a for a, b in zip(times, times[1:])) if len(times) > 2 else elapsed
    expect(
        len(beats) >= expected / 4 and gap <= 3 * INTERVAL,
        intro + f" (beats came {gap:.3f} s apart). Wait `interval` seconds between beats, not longer.",
    )
    expect(
        len(beats) <= 1.5 * expected + 2 and gap >= INTERVAL / 2,
        intro + f" (beats came {gap:.3f} s apart): too often. Wait the whole `interval` (in seconds) between beats.",
    )


def test_sleeps_between_beats_instead_of_spinning(exercise):
    with clock_reads(exercise) as reads, heartbeat(exercise) as (heart, _):
        read = reads[0]
        real_sleep(WINDOW)
        beats, cpu, read = list(heart.beats), list(heart.cpu), reads[0] - read
    expect(len(beats) > 2, f"{call(INTERVAL)}: beat() was called only {len(beats)} time(s) in {WINDOW:g} s; "
           "it should beat again and again, about every `interval` seconds.")  # fmt: skip
    wall, used = beats[-1][0] - beats[0][0], cpu[-1] - cpu[0]
    expect(
        used <= BUSY_SHARE * wall and read <= POLLS,
        f"{call(INTERVAL)}: between its first and its last beat ({wall:.2f} s, {len(beats)} beats) the heartbeat "
        f"thread used {used:.3f} s of CPU time ({used / wall:.0%} of a core)"
        + (f", and in {WINDOW:g} s your file read the clock {spaced(read)} times" if read > POLLS else "")
        + (". Between beats it should use almost no CPU: it is busy-waiting, checking the clock over and over. " if read > POLLS
           else ". Between beats it should use almost no CPU: the thread kept running instead of sleeping. ")
        + "Let the thread sleep until the next beat is due.",
    )


CHILD = r"""
import importlib.util, json, sys, threading, time, traceback
path, interval, mark = sys.argv[1], float(sys.argv[2]), sys.argv[3]
report, state = {}, {"calling": False, "in_main": 0, "exiting": False}


class LoopInMain(BaseException):
    pass


def beat():
    beats.append(time.monotonic())
    if state["calling"] and threading.current_thread() is threading.main_thread():
        state["in_main"] += 1
        if state["in_main"] >= 2:  # start_heartbeat runs the loop itself: it would never return
            raise LoopInMain
    if state["exiting"] and not threading.current_thread().daemon:
        print("\n" + mark + "beat", flush=True)


def exiting():
    # Python calls this as the program ends, before it waits for every non-daemon thread still running.
    state["exiting"] = True
    waited = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    print("\n" + mark + "exiting" + json.dumps(waited), flush=True)


if hasattr(threading, "_register_atexit"):
    threading._register_atexit(exiting)
try:
    spec = importlib.util.spec_from_file_location("heartbeat_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    beats = []
    print("\n" + mark + "calling", flush=True)
    state["calling"] = True
    module.start_heartbeat(beat, interval)
    state["calling"] = False
    time.sleep(4 * interval)
    report["beats"] = len(beats)
except LoopInMain:
    report["loop_in_main"] = state["in_main"]
except BaseException as error:
    report["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
    report["type"] = type(error).__name__
    mine = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    if mine:
        report["where"] = [mine[-1].name, mine[-1].lineno]
print("\n" + mark + json.dumps(report), flush=True)
# The program ends here.
"""


def run_child_program(path: str, interval: float) -> tuple[str, dict | None, str]:
    """Run CHILD on the module at ``path``; return how far it got, its report and its output.

    The stage is "start" (it never called start_heartbeat; the report says why if importing
    failed), "call" (start_heartbeat did not
    return), "exit" (it reached its last line but did not exit) or "done".
    """
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, path, str(interval), MARK],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
    )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in child.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put(None)

    def next_mark(seconds: float) -> str | None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                return None
            if line.startswith(MARK):
                return line[len(MARK) :].strip()
            output.append(line)

    output: list[str] = []
    threading.Thread(target=read, name="kata-child-reader", daemon=True).start()
    stage, report = "start", None
    try:
        found = next_mark(CHILD_START)
        if found is not None and found != "calling":
            report = json.loads(found)  # importing the module failed
        elif found == "calling":
            stage = "call"
            found = next_mark(CHILD_RETURN + 4 * interval)
            if found is not None:
                stage, report = "exit", json.loads(found)
                found = next_mark(CHILD_EXIT)
                waited = json.loads(found[len("exiting"):]) if found and found.startswith("exiting") else []
                # Python now waits for those threads: two beats from them meanwhile show that it waits for a thread still beating.
                beats_after = 0
                while waited and beats_after < 2 and next_mark(CHILD_EXIT) == "beat":
                    beats_after += 1
                if beats_after >= 2:
                    report.update(kept_alive=waited, beats_after=beats_after)
                    return stage, report, "".join(output)[-500:]
                child.wait(CHILD_EXIT)
                stage = "done"
    except subprocess.TimeoutExpired:
        pass
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    return stage, report, "".join(output)[-500:]


def test_program_can_end_while_the_heartbeat_beats(exercise):
    stage, report, output = run_child_program(exercise.__file__, INTERVAL)
    program = f"A program that calls {call(INTERVAL)}, waits {4 * INTERVAL:g} s and reaches its last line"
    shown = f"\nIt printed:\n{output}" if output.strip() else ""
    if stage == "start":
        error = f": importing it raised {report['error']}" if report and "error" in report else ""
        fail(f"A program of its own that imports your file never got to call start_heartbeat(){error}.{shown}")
    expect(
        stage != "call",
        f"In a program of its own, {call(INTERVAL)} did not return within {CHILD_RETURN:g} s. It should start "
        f"the thread and return at once, not run the loop itself: is it calling run() or join() instead of start()?{shown}",
    )
    report = report or {}
    if report.get("type") == "NotImplementedError" and "where" in report:
        name, line = report["where"]
        fail(messages.NOT_WRITTEN.format(name=name, file=Path(exercise.__file__).name, line=line))
    if "loop_in_main" in report:
        fail(
            f"In a program of its own, {call(INTERVAL)} called beat() {report['loop_in_main']} times in the program's main "
            f"thread, and had not returned: the loop runs in the caller's thread, not in a new one. {RETURN_ADVICE}{shown}"
        )
    if "error" in report:
        advice = " " + DAEMON_ADVICE if "daemon" in report["error"] else ""
        fail(f"In a program of its own, {call(INTERVAL)} raised {report['error']}.{advice}")
    if "kept_alive" in report:
        fail(
            f"{program} did not end: at its last line the non-daemon thread(s) {', '.join(map(repr, report['kept_alive']))} were still "
            f"running, Python waited for them before exiting, and meanwhile beat() was called {report['beats_after']} more "
            f"times (the program was then ended by force). Python waits for every non-daemon thread before it exits, and a "
            f"heartbeat never ends. {DAEMON_ADVICE}{shown}"
        )
    expect(
        stage == "done",
        f"{program} was still running {CHILD_EXIT:g} s after its last line (it was ended by force): a non-daemon "
        "thread kept the program alive. Python waits for every non-daemon thread before it exits, and a "
        f"heartbeat never ends. {DAEMON_ADVICE}{shown}",
    )

# Helpers of the checks above: this exercise's own story ---------------------------------------


class LoopInCaller(BaseException):
    """Raised by beat() the second time it runs in the thread still inside start_heartbeat: that thread runs the loop."""


class Heart:
    """A beat() that records when and in which thread it ran, and that can end the loop calling it."""

    def __init__(self) -> None:
        self.beats: list[tuple[float, threading.Thread]] = []
        self.cpu: list[float] = []  # the beating thread's own CPU time at each beat
        self.stopping = False
        self.caller: threading.Thread | None = None  # the thread inside start_heartbeat, while it is
        self.in_caller = 0

    def __call__(self) -> None:
        if self.stopping:
            raise SystemExit  # ends the learner's thread without an error report
        if threading.current_thread() is self.caller:
            self.in_caller += 1
            if self.in_caller >= 2:  # a loop in the caller's thread: start_heartbeat would never return
                raise LoopInCaller
        self.cpu.append(time.thread_time())
        self.beats.append((time.monotonic(), threading.current_thread()))


def call(interval: float) -> str:
    return f"start_heartbeat(beat, {interval:g})"


@contextlib.contextmanager
def heartbeat(exercise, interval: float = INTERVAL) -> Iterator[tuple[Heart, threading.Thread]]:
    """Start a heartbeat from a non-daemon thread (as from a program's main thread); end it afterwards."""
    heart = Heart()
    thread, daemon_error = None, None

    def start() -> threading.Thread:
        heart.caller = threading.current_thread()
        try:
            return exercise.start_heartbeat(heart, interval)
        finally:
            heart.caller = None

    try:
        try:
            thread = bounded(start, what=call(interval), advice=RETURN_ADVICE)
        except NotImplementedError:
            raise
        except LoopInCaller:
            fail(
                f"{call(interval)} called beat() {heart.in_caller} times in the thread that called it, and had not returned: "
                f"the loop runs in the caller's thread, not in a new one. {RETURN_ADVICE}"
            )
        except RuntimeError as error:
            if "daemon" not in str(error):
                raise
            daemon_error = error
        if daemon_error is not None:
            fail(f"{call(interval)} raised RuntimeError: {daemon_error}. {DAEMON_ADVICE}")
        expect(
            isinstance(thread, threading.Thread),
            f"{call(interval)} returned {thread!r}, expected the threading.Thread it started.",
        )
        yield heart, thread
    finally:
        heart.stopping = True
        if isinstance(thread, threading.Thread) and thread.ident is not None:
            thread.join(2 * interval + 0.5)  # it ends at its next beat; no need to fail here if not
