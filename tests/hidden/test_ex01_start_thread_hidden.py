"""Hidden checks for exercise 01: the same behaviours as the public checks, tried in other ways."""

import threading

from kata.harness import QUICK, bounded, expect

ADVICE = "Does start_in_thread wait for func (a join, or func called right there) instead of returning the started thread?"


class Recorder:
    """A callable object (not a function) that records where and with what it ran, and waits at a gate."""

    def __init__(self):
        self.seen = []
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __call__(self, *args):
        self.seen.append((threading.current_thread(), args))
        self.entered.set()
        self.gate.wait(QUICK)


def test_two_calls_run_side_by_side_in_two_threads(exercise):
    """Two calls in a row start two different threads that run at the same time, with a callable object as func."""
    first, second = Recorder(), Recorder()
    one = two = None
    try:
        one = bounded(exercise.start_in_thread, first, 1, what="start_in_thread(recorder, 1)", advice=ADVICE)
        two = bounded(exercise.start_in_thread, second, 2, what="start_in_thread(other_recorder, 2)", advice=ADVICE)
        both = first.entered.wait(QUICK) and second.entered.wait(QUICK)
        expect(both, "start_in_thread(recorder, 1) then start_in_thread(other_recorder, 2): the two funcs did not both start.")
        expect(one is not two and one.is_alive() and two.is_alive(), "Two calls of start_in_thread returned threads that are not two distinct running threads.")
        expect(first.seen[0][0] is one and second.seen[0][0] is two, "Each func must run in the thread its own call returned.")
    finally:
        first.gate.set()
        second.gate.set()
        for thread in (one, two):
            if isinstance(thread, threading.Thread) and thread.ident is not None:
                thread.join(QUICK)


def test_many_arguments_and_a_bound_method_arrive_in_order(exercise):
    """Ten positional arguments, falsy ones included, reach a bound method unchanged and in order."""
    sent = (0, "", None, [], {}, (), False, 7, "seven", b"7")
    box = []

    class Holder:
        def keep(self, *args):
            box.append(args)

    thread = bounded(exercise.start_in_thread, Holder().keep, *sent, what="start_in_thread(holder.keep, 0, '', None, …)", advice=ADVICE)
    expect(isinstance(thread, threading.Thread), f"start_in_thread returned {thread!r}, expected the started Thread.")
    thread.join(QUICK)
    expect(not thread.is_alive() and thread.daemon is False, "The thread start_in_thread returned should be a non-daemon thread that ends when func does.")
    got = box[0] if box else None
    unchanged = got is not None and len(got) == len(sent) and all(a is b for a, b in zip(got, sent))
    expect(unchanged, f"holder.keep received {got!r}, expected {sent!r}, each object unchanged.")
