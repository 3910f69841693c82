"""Hidden checks for exercise 04: the same behaviours as the public checks, tried in other ways."""

import functools
import threading
import time

from kata.harness import bounded, expect, real_sleep


class Beats:
    """A beat that records its calls and returns a value (which the heartbeat ignores); ends its thread once told to."""

    def __init__(self):
        self.times, self.threads, self.stopping = [], set(), False

    def __call__(self, label):
        if self.stopping:
            raise SystemExit  # ends the learner's thread quietly
        self.times.append(time.monotonic())
        self.threads.add(threading.current_thread())
        return label


def _h04_watch(exercise, interval, window, from_daemon=False):
    beats = Beats()
    beat = functools.partial(beats, "beat")  # any callable: here a functools.partial
    holder = []
    what = f"start_heartbeat(partial(beat), {interval:g})"

    def start():
        holder.append(exercise.start_heartbeat(beat, interval))

    try:
        if from_daemon:
            caller = threading.Thread(target=start, daemon=True)
            caller.start()
            caller.join(2.0)
        else:
            bounded(start, what=what)
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
