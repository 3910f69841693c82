"""Hidden checks for exercise 02: the same behaviours as the public checks, tried in other ways."""

from kata.harness import expect
from kata.harness.counting import Counting


def test_three_threads_started_together_count_to_their_own_limits(exercise):
    """Three CountingThreads with different limits, started together, each reach their own n_max in their own thread."""
    limits = [2, 1000, 33]
    threads = [Counting(exercise, n, name=f"counter-{n}") for n in limits]
    for counting in threads:
        counting.start()
    for counting in threads:
        counting.join()
    got = [counting.count("after start() and join()") for counting in threads]
    expect(got == limits, f"Three CountingThreads with n_max {limits}, started together and joined: counts are {got}, expected {limits}.")
    for counting in threads:
        strangers = {thread.name for thread, _, _ in counting.writes[counting.made :] if thread is not counting.thread}
        expect(not strangers, f"{counting.what}: count was written by thread(s) {sorted(strangers)}, not by its own thread.")


def test_a_named_thread_run_directly_counts_in_the_caller(exercise):
    """A CountingThread named by keyword keeps its name, counts 0 before and n_max after run() is called directly, without being started."""
    counting = Counting(exercise, 250, name="direct ✓")
    expect(counting.count("right after construction") == 0, f"{counting.what}.count is not 0 right after construction.")
    expect(counting.name() == "direct ✓", f"{counting.what}.name is {counting.name()!r}, expected 'direct ✓'.")
    counting.run_directly()
    got = counting.count("after run() called directly")
    expect(got == 250, f"{counting.what}.run() called directly left count at {got!r}, expected 250.")
    expect(counting.thread.ident is None, f"{counting.what}.run() called directly started the thread; run() must only count.")
