"""Checks for exercise 01: start_in_thread runs func(*args) in a new, started, non-daemon thread and returns at once."""

from __future__ import annotations

import functools
import threading

from kata.harness import QUICK, arguments, bounded, expect, fail
from kata.harness.launch import IN_CALLER, NOT_STARTED, launched


def test_returns_a_started_thread_without_waiting_for_func(exercise):
    with launched(exercise, "a", 1, hold=True) as launch:
        thread = launch.returned_thread()
        expect(
            thread.is_alive(),
            f"{launch.what} returned while work() was still running, but the thread it returned is not alive. "
            "Return the thread that runs func.",
        )
        launch.work_thread()
        launch.finished(thread)


def test_func_runs_in_the_returned_thread_not_the_callers(exercise):
    with launched(exercise, "x") as launch:
        thread = launch.returned_thread()
        ran_in = launch.work_thread()
        expect(
            ran_in is thread,
            f"work() ran in thread {ran_in.name!r}, but {launch.what} returned another thread, "
            f"{thread.name!r}. Return the thread that runs func, so the caller can join it.",
        )
        expect(
            ran_in is not threading.main_thread(),
            f"work() ran in the main thread; {launch.what} must run it in a new thread.",
        )
        launch.finished(thread)


def test_thread_is_not_a_daemon(exercise):
    with launched(exercise) as launch:
        thread = launch.returned_thread()
        expect(
            not thread.daemon,
            f"{launch.what}, called from a non-daemon thread, returned a daemon thread ({thread.name!r}). "
            "A program does not wait for daemon threads when it exits, so func could be cut off "
            "halfway: leave daemon at its default.",
        )
        launch.finished(thread)


def test_arguments_arrive_unchanged(exercise):
    listing, mapping = [3, 4], {"five": 5}
    for args in [(1, "two", listing, mapping), (("a", "tuple"),), (None,), ()]:
        with launched(exercise, *args) as launch:
            thread = launch.returned_thread()
            launch.work_thread()
            launch.finished(thread)
            received = launch.work.calls[0][2]
            expect(
                len(received) == len(args) and all(got is sent for got, sent in zip(received, args)),
                f"{launch.what} called work({arguments(*received)}); expected work({arguments(*args)}). "
                "Thread hands its `args` to the target as separate arguments: give it the tuple "
                "`args` itself, not wrapped in another tuple or list.",
            )


def test_any_callable_runs_in_a_new_thread(exercise):
    class Job:
        """An object with __call__: callable, but it has no __name__."""

        def __call__(self, *args):
            ran.append((threading.current_thread(), args))

    for func, shown in [(Job(), "an object with __call__"), (functools.partial(Job(), "fixed"), "a functools.partial")]:
        ran = []
        what = f"start_in_thread(func, 1), with func {shown},"
        thread = bounded(exercise.start_in_thread, func, 1, what=what, advice="Does it read func.__name__? Not every callable has one.")
        expect(isinstance(thread, threading.Thread), f"{what} returned {thread!r}, expected the started Thread.")
        call = what.rstrip(",")
        if thread.ident is None and ran:  # run() instead of start(): func ran, in the caller's thread
            fail(IN_CALLER.format(call=call, caller=ran[0][0].name, func="func"), cause=IN_CALLER)
        expect(thread.ident is not None, NOT_STARTED.format(call=call, func="func"), cause=NOT_STARTED)
        thread.join(QUICK)
        expected = ("fixed", 1) if isinstance(func, functools.partial) else (1,)
        expect(
            ran == [(thread, expected)],
            f"{what}: func ran {len(ran)} time(s), with {[args for _, args in ran]!r}; expected once, in the returned thread, "
            f"with {expected!r}. func may be any callable: a function, a bound method, a partial, an object with __call__.",
        )
