"""Hidden checks for exercise 04: the same behaviours as the public checks, tried in other ways."""

import functools
import threading
import time

from kata.harness import bounded, expect, real_sleep


class LoopInCaller(BaseException):
    """Raised by beat() the second time it runs in the thread still inside start_heartbeat."""


class Beats:
    """A beat that records its calls and returns a value (which the heartbeat ignores); ends its thread once told to."""

    def __init__(self):
        self.times, self.threads, self.stopping = [], set(), False
        self.caller, self.in_caller = None, 0  # the thread inside start_heartbeat, while it is; its beats

    def __call__(self, label):
        if self.stopping:
            raise SystemExit  # ends the learner's thread quietly
        if threading.current_thread() is self.caller:
            self.in_caller += 1
            if self.in_caller >= 2:  # the loop runs in the caller's thread: start_heartbeat would never return
                raise LoopInCaller
        self.times.append(time.monotonic())
        self.threads.add(threading.current_thread())
        return label


def _h04_watch(exercise, interval, window, from_daemon=False):
    beats = Beats()
    beat = functools.partial(beats, "beat")  # any callable: here a functools.partial
    holder = []
    what = f"start_heartbeat(partial(beat), {interval:g})"

    def start():
        beats.caller = threading.current_thread()
        try:
            holder.append(exercise.start_heartbeat(beat, interval))
        except LoopInCaller:
            pass  # told below
        finally:
            beats.caller = None

    try:
        if from_daemon:
            caller = threading.Thread(target=start, daemon=True)
            caller.start()
            caller.join(2.0)  # at once if the loop runs in it: beat() ends it at its second beat
        else:
            bounded(start, what=what)
        expect(
            beats.in_caller < 2,
            f"{what} called beat() {beats.in_caller} times in the thread that called it, and had not returned: the loop runs "
            "in the caller's thread. Start a new thread for it and return at once.",
        )
        expect(holder and isinstance(holder[0], threading.Thread), f"{what} returned {holder[0] if holder else 'nothing'!r}, expected the started Thread.")
        real_sleep(window)
        return beats, holder[0], what
    finally:
        beats.stopping = True
        if holder and isinstance(holder[0], threading.Thread) and holder[0].ident is not None:
            holder[0].join(2 * interval + 0.5)


def test_a_slower_heartbeat_keeps_its_own_pace(exercise):
    """A heartbeat with a longer interval, given a functools.partial, beats at that pace in one daemon thread."""
    interval, window = 0.07, 0.35
    beats, thread, what = _h04_watch(exercise, interval, window)
    count = len(beats.times)
    expected = window / interval
    expect(thread.daemon, f"{what} returned a non-daemon thread.")
    expect(beats.threads <= {thread}, f"{what}: beat() ran in threads other than the one returned.")
    expect(expected / 3 <= count <= 1.5 * expected + 2, f"{what}: beat() ran {count} times in {window:g} s, expected about {expected:.0f}.")


def test_a_heartbeat_started_from_a_daemon_thread_is_a_daemon_and_beats(exercise):
    """A heartbeat started from a daemon thread is still a daemon thread, and it beats after that thread has ended."""
    interval, window = 0.03, 0.2
    beats, thread, what = _h04_watch(exercise, interval, window, from_daemon=True)
    expect(thread.daemon, f"{what}, called from a daemon thread, returned a non-daemon thread.")
    expect(len(beats.times) >= 3, f"{what}: beat() ran only {len(beats.times)} times in {window:g} s, after the thread that started it had ended.")
