"""Hidden checks for exercise 06: the same behaviours as the public checks, tried in other ways."""

from kata.harness import bounded, expect, forced_races, run_together, spaced

LOCK_ADVICE = "Is a thread waiting for a lock that is never released, or for a Lock it already holds?"


def test_many_threads_with_mixed_steps_lose_nothing(exercise):
    """Eight threads adding and subtracting different amounts lose no update."""
    steps = [5, -3, 7, -1, 2, -6, 4, -2]
    with forced_races(exercise):
        counter = exercise.Counter(-50)

        def worker(step):
            method = counter.increment if step > 0 else counter.decrement
            return lambda: [method(abs(step)) for _ in range(400)]

        run_together([worker(step) for step in steps], what="8 counter threads", advice=LOCK_ADVICE)
    expected = -50 + 400 * sum(steps)
    got = bounded(lambda: counter.value, what="counter.value", advice=LOCK_ADVICE)
    expect(got == expected, f"Counter(-50) with 8 threads × 400 mixed updates: expected {spaced(expected)}, got {spaced(got)}.")


def test_default_step_is_one_in_both_directions(exercise):
    """increment() and decrement() without an argument move by exactly one."""
    counter = bounded(exercise.Counter, what="Counter()", files=())
    got = [
        bounded(counter.increment, what="increment()", files=()),
        bounded(counter.increment, what="increment()", files=()),
        bounded(counter.decrement, what="decrement()", files=()),
    ]
    expect(got == [1, 2, 1], f"Counter(): increment(), increment(), decrement() returned {got}, expected [1, 2, 1].")


def test_six_threads_decrementing_from_a_start_get_distinct_values(exercise):
    """Six threads decrementing by two at once, from a positive start, each get the value their own update produced."""
    threads, per_thread, start = 6, 300, 5000
    with forced_races(exercise):
        counter = exercise.Counter(start)
        results = run_together([lambda: [counter.decrement(2) for _ in range(per_thread)]] * threads, what="6 decrementing threads", advice=LOCK_ADVICE)
    returned = sorted(v for values in results for v in values)
    expected = sorted(start - 2 * i for i in range(1, threads * per_thread + 1))
    repeated = len(returned) - len(set(returned))
    expect(
        returned == expected,
        f"Counter({start}), 6 threads × {per_thread} decrement(2): {repeated} returned values repeat; "
        "each call must return the value its own update produced.",
    )
