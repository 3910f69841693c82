"""Hidden checks for exercise 05: the same behaviours as the public checks, tried in other ways."""

import functools
import subprocess
import sys
import threading
import time

from kata.harness import QUICK, Company, expect, fail, outcome, said

ADVICE = "Is the caller waiting on a queue nobody puts anything in (did the worker die of an exception)?"


class Stop(BaseException):
    """A BaseException that is not an Exception."""


class Scale:
    def __init__(self, factor):
        self.factor = factor

    def times(self, x):
        return None if x is None else x * self.factor


def test_results_come_back_in_order_from_a_generator_whatever_the_finishing_order(exercise):
    """parallel_map over a generator of ten items, None among them, finishing in a shuffled order, keeps input order."""
    items = [3, None, 7, 0, None, 1, 9, 4, 2, 8]
    delays = [0.05, 0.0, 0.03, 0.06, 0.01, 0.04, 0.0, 0.02, 0.05, 0.01]

    def slow(pair):
        delay, item = pair
        time.sleep(delay)
        return Scale(2).times(item)

    got = outcome(exercise.parallel_map, slow, (pair for pair in zip(delays, items)), what="parallel_map(slow, a generator of 10 items)", advice=ADVICE)
    expected = [Scale(2).times(i) for i in items]
    expect(not got.raised and got.value == expected, f"parallel_map(slow, a generator of 10 items) {said(got)}, expected {expected!r}.")


def test_a_bound_method_and_a_partial_work_as_func(exercise):
    """call_in_thread takes any callable (a bound method, a functools.partial) and passes the args on; a long enough timeout returns the value."""
    got = outcome(exercise.call_in_thread, Scale(3).times, 5, timeout=QUICK, what="call_in_thread(Scale(3).times, 5, timeout=2)", advice=ADVICE)
    expect(not got.raised and got.value == 15, f"call_in_thread(Scale(3).times, 5, timeout=2) {said(got)}, expected 15.")
    got = outcome(exercise.call_in_thread, functools.partial(divmod, 17), 5, what="call_in_thread(partial(divmod, 17), 5)", advice=ADVICE)
    expect(not got.raised and got.value == (3, 2), f"call_in_thread(partial(divmod, 17), 5) {said(got)}, expected (3, 2).")


def test_the_first_failure_in_input_order_wins_over_a_base_exception_later(exercise):
    """parallel_map raises the first failure in input order: an Exception of an early item beats a BaseException of a later item that failed first."""
    late_failed = threading.Event()
    company = Company()

    def f(item):
        if item == 4:
            late_failed.set()
            raise Stop("item 4 stopped")
        if item == 0:
            company.wait(late_failed.wait, QUICK / 2)  # not the whole second once item 4 cannot start meanwhile
            time.sleep(0.02)
            raise ValueError("item 0 failed")
        return item

    got = outcome(exercise.parallel_map, f, range(5), what="parallel_map(f, range(5))", advice=ADVICE + " Does the worker catch BaseException?")
    expect(
        type(got.error) is ValueError and str(got.error) == "item 0 failed",
        f"parallel_map(f, range(5)) with f(4) raising Stop (a BaseException) first and f(0) raising ValueError('item 0 failed') later "
        f"{said(got)}; expected ValueError('item 0 failed'), the failure of the first item in input order.",
    )


#: A program that imports the learner's file (argv[1]), does not wait at all (timeout=0) for a
#: 30 s sleep in another thread, and reaches its last line.
NO_WAIT_PROGRAM = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("learner_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
try:
    module.call_in_thread(time.sleep, 30, timeout=0)
except TimeoutError:
    pass
"""


def test_a_program_that_did_not_wait_for_a_long_call_exits_at_once(exercise):
    """A program whose call_in_thread(time.sleep, 30, timeout=0) gave up at once exits without waiting out the sleep."""
    got = outcome(exercise.call_in_thread, time.sleep, 0.5, timeout=0, what="call_in_thread(time.sleep, 0.5, timeout=0)", advice=ADVICE)
    expect(type(got.error) is TimeoutError, f"call_in_thread(time.sleep, 0.5, timeout=0) {said(got)}; expected the built-in TimeoutError at once.")
    program = "A program of its own that calls call_in_thread(time.sleep, 30, timeout=0) and then reaches its last line"
    try:
        ran = subprocess.run([sys.executable, "-c", NO_WAIT_PROGRAM, exercise.__file__], capture_output=True, text=True, errors="replace", timeout=5)
    except subprocess.TimeoutExpired:
        ran = None
    if ran is None:
        fail(
            f"{program} was still running after 5 s (it was ended by force). The caller gave up on the call, so its "
            "worker must not keep the program alive: make it a daemon thread, which Python does not wait for at exit."
        )
    expect(ran.returncode == 0, f"{program} exited with {ran.returncode}; expected 0. It printed:\n{(ran.stdout + ran.stderr)[-500:]}")
