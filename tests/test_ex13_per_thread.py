"""Checks for exercise 13: PerThread gives every thread its own object, made once, on first get()."""

import threading

from kata.explorer import Plan
from kata.harness import QUICK, Call, Outcome, bounded, expect, forced_races, run_together
from kata.harness.scenarios import scenario

THREADS = 8
HANG_ADVICE = "Is get() waiting for a lock that is never released?"


def test_factory_is_not_called_before_the_first_get(exercise):
    factory = Factory()
    exercise.PerThread(factory)
    expect(
        not factory.calls,
        f"PerThread(factory) called factory() {len(factory.calls)} time(s) while being created; expected 0. "
        "Make each thread's object only when that thread first calls get(): a thread that never "
        "asks should cost nothing.",
    )


def test_get_returns_what_the_factory_made(exercise):
    factory = Factory()
    per = exercise.PerThread(factory)
    thread, (got,) = gets_in_one_thread(per, 1, [exercise.__file__])
    expect(len(factory.calls) == 1, f"One get() called factory() {len(factory.calls)} times; expected once.")
    made = factory.calls[0][1]
    expect(got is made, f"get() returned {got!r}; expected the object factory() made, {made!r}.")
    expect(
        factory.calls[0][0] is thread,
        f"factory() ran in thread {factory.calls[0][0].name!r}, not in {thread.name!r}, the thread that "
        "called get(). Make the object in the thread that asks for it: some objects (an sqlite3 "
        "connection, for one) may only be used by the thread that made them.",
    )


def test_repeated_get_in_one_thread_returns_the_same_object(exercise):
    factory = Factory()
    per = exercise.PerThread(factory)
    _, got = gets_in_one_thread(per, 5, [exercise.__file__])
    distinct = len({id(g) for g in got})
    expect(
        distinct == 1 and len(factory.calls) == 1,
        f"5 calls of get() in one thread returned {distinct} different object(s) and called factory() "
        f"{len(factory.calls)} times; expected the same object every time and one factory() call. "
        "Keep the object the first get() made, and hand that one back afterwards.",
    )


def test_threads_calling_get_at_once_each_get_their_own_object(exercise):
    factory = Factory()

    def worker():
        return threading.current_thread(), [per.get() for _ in range(3)]

    with forced_races(exercise):
        per = exercise.PerThread(factory)
        results = run_together([worker] * THREADS, what=f"{THREADS} threads calling get()", advice=HANG_ADVICE)
    for thread, got in results:
        expect(
            len({id(g) for g in got}) == 1,
            f"Thread {thread.name!r} called get() 3 times and received {got}; expected one object every time.",
        )
    firsts = [got[0] for _, got in results]
    distinct = len({id(g) for g in firsts})
    expect(
        distinct == THREADS,
        f"{THREADS} threads called get() at the same moment and received only {distinct} different "
        f"object(s); expected {THREADS}, one per thread. An object kept for everybody is shared, not per "
        "thread: look up *this* thread's object.",
    )
    expect(
        len(factory.calls) == THREADS,
        f"{THREADS} threads each called get() 3 times; factory() ran {len(factory.calls)} times, expected "
        f"{THREADS} (once per thread).",
    )
    for thread, got in results:
        expect(
            got[0] in factory.made_by(thread),
            f"Thread {thread.name!r} received {got[0]!r}, which factory() made in another thread. Each "
            "thread's object must be made by that thread's own first get().",
        )


def test_threads_with_the_same_name_get_different_objects(exercise):
    factory = Factory()
    per = exercise.PerThread(factory)

    def worker():
        threading.current_thread().name = "worker"  # names need not be unique
        return per.get()

    got = run_together([worker] * 4, what="4 threads named 'worker' calling get()", advice=HANG_ADVICE)
    distinct = len({id(g) for g in got})
    expect(
        distinct == 4,
        f"4 threads, all named 'worker', called get() and received {distinct} different object(s); "
        "expected 4. Many threads may share one name, so a name does not tell threads apart.",
    )


def test_a_new_thread_never_gets_an_ended_threads_object(exercise):
    factory = Factory()
    per = exercise.PerThread(factory)
    seen: dict[int, object] = {}
    kept = []  # keep every object alive, so that no id() is reused
    for _ in range(20):  # one after another: each thread has ended before the next starts
        call = Call(lambda: (threading.get_ident(), per.get()))
        ident, got = call.result(what="get() in a new thread", advice=HANG_ADVICE)
        call.thread.join(QUICK)
        kept.append(got)
        if ident in seen:
            expect(
                got is not seen[ident],
                f"A thread called get() and ended; a new thread then called get() and received the ended "
                f"thread's object {got!r} instead of a new one. The new thread had the same "
                "threading.get_ident() number: the system hands an ended thread's number to the next "
                "thread, so that number names a thread only while it is alive. threading.local "
                "forgets a thread's values when it ends.",
            )
            break
        seen[ident] = got
    distinct = len({id(g) for g in kept})
    expect(
        distinct == len(kept),
        f"{len(kept)} threads, one after another, called get() and received only {distinct} different "
        "object(s); expected one new object per thread.",
    )


def test_two_per_thread_objects_do_not_share(exercise):
    first, second = Factory(), Factory()
    one, two = exercise.PerThread(first), exercise.PerThread(second)
    a, b = bounded(lambda: (one.get(), two.get()), what="get() on two PerThread objects", advice=HANG_ADVICE)
    made = (first.calls[0][1] if first.calls else None, second.calls[0][1] if second.calls else None)
    expect(
        a is made[0] and b is made[1] and len(first.calls) == 1 and len(second.calls) == 1,
        f"PerThread(factory_1) and PerThread(factory_2), then get() on each in one thread: received "
        f"{a!r} and {b!r}, with {len(first.calls)} and {len(second.calls)} factory calls; expected one object "
        "from each factory. Each PerThread needs its own per-thread storage, not one shared by all of them.",
    )


def test_a_factory_that_raises_keeps_nothing(exercise):
    factory = Factory(fail_first=1)
    per = exercise.PerThread(factory)

    def body():
        try:
            per.get()
        except ConnectionError as error:
            first = error
        else:
            first = None
        return first, per.get()

    first, second = bounded(body, what="get() after a failing factory", advice=HANG_ADVICE)
    expect(
        first is not None,
        "factory() raised ConnectionError on the first get(), but get() did not pass it on; expected the "
        "caller to see the factory's exception.",
    )
    expect(
        len(factory.calls) == 2 and second is factory.calls[1][1],
        f"After factory() raised, the next get() in the same thread returned {second!r} with "
        f"{len(factory.calls)} factory calls in all; expected it to call factory() again and return that "
        "object. Keep an object only once factory() has returned one.",
    )


def test_a_none_from_the_factory_is_kept_like_any_object(exercise):
    threads, times = 3, 3
    calls, counting = [], threading.Lock()

    def nothing():
        with counting:
            calls.append(threading.current_thread())

    per = exercise.PerThread(nothing)

    def worker():
        return threading.current_thread(), [per.get() for _ in range(times)]

    results = run_together([worker] * threads, what=f"{threads} threads calling get() {times} times", advice=HANG_ADVICE)
    for thread, got in results:
        expect(
            got == [None] * times,
            f"PerThread(nothing), where nothing() returns None: {times} calls of get() in one thread returned {got!r}, "
            f"expected [None] * {times}.",
        )
        ran = calls.count(thread)
        expect(
            ran == 1,
            f"PerThread(nothing), where nothing() returns None: {times} calls of get() in one thread called nothing() "
            f"{ran} times, expected once. None is what that thread's factory made, and it is kept like any other "
            "object: ask whether this thread has made its object yet, not whether the object is None.",
        )


class Halt(BaseException):
    """What a check's factory raises: a BaseException that is not an Exception, as KeyboardInterrupt is."""


def test_a_base_exception_from_the_factory_keeps_nothing(exercise):
    calls = []

    def factory():
        calls.append(threading.current_thread())
        if len(calls) == 1:
            raise Halt("factory call 1 halted")
        return Made(len(calls))

    per = exercise.PerThread(factory)

    def body():
        first = Outcome.of(per.get, catch=(BaseException,))
        return first, Outcome.of(per.get, catch=(BaseException,))

    first, second = bounded(body, what="get() twice in one thread, the first factory() raising Halt", advice=HANG_ADVICE)
    expect(
        first.raised and type(first.error) is Halt and str(first.error) == "factory call 1 halted",
        f"factory() raised Halt('factory call 1 halted'), a BaseException that is not an Exception, on the first get(); "
        f"that get() {'raised ' + repr(first.error) if first.raised else 'returned ' + repr(first.value)}; expected that Halt.",
    )
    expect(
        not second.raised and len(calls) == 2 and isinstance(second.value, Made),
        f"After factory() raised Halt, the next get() in the same thread "
        f"{'raised ' + repr(second.error) if second.raised else 'returned ' + repr(second.value)} with {len(calls)} factory "
        "calls in all; expected it to call factory() again and return that object. Whatever the factory raises, keep "
        "nothing: clean up on every way out (try/finally, or catch BaseException), not only for an Exception.",
    )


# The race explorer runs the same calls one thread at a time and chooses every switch itself, so
# a failure comes with the interleaving that caused it and a seed that replays it exactly. Its
# threads are real threads (threading.local and get_ident() work as usual), named after the
# letters below.
#
# Left to the real-thread checks: caches_the_failure (a raising factory in one thread, no second thread
# needed; test_a_factory_that_raises_keeps_nothing finds it), keyed_by_get_ident (the system
# hands an ended thread's number to a new thread when it likes, not when a schedule says;
# test_a_new_thread_never_gets_an_ended_threads_object finds it) and one_local_for_all_instances
# (two PerThread objects in one thread; test_two_per_thread_objects_do_not_share finds it).


def counted_factory():
    """A factory that makes numbered objects, and the list of (calling thread, object) for each call."""
    made = []

    def factory():
        obj = Made(len(made) + 1)
        made.append((threading.current_thread(), obj))
        return obj

    return factory, made


def gets(per, threads, name, times=2, rename=None):
    """Thread ``name``: note itself in ``threads``, maybe take the name ``rename``, then call get() ``times`` times."""

    def run():
        threads[name] = threading.current_thread()
        if rename is not None:
            threading.current_thread().name = rename  # names need not be unique
        return [per.get() for _ in range(times)]

    return run


def per_thread_problem(results, made, threads, asked):
    """What went wrong when each thread in ``results`` called get() and kept what it got, or None."""
    for name, got in results.items():
        if any(g is not got[0] for g in got):
            return (
                f"{asked}: thread {name} received {' then '.join(map(repr, got))}; expected the same object every "
                "time. Keep the object the first get() made, and hand that one back afterwards."
            )
    called_in = {thread: name for name, thread in threads.items()}

    def made_where(obj):
        maker = next((thread for thread, made_obj in made if made_obj is obj), None)
        return maker, f"in thread {called_in[maker]}" if maker in called_in else "while PerThread(factory) was being made"

    names = list(results)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if results[first][0] is results[second][0]:
                return (
                    f"{asked}: threads {first} and {second} both received {results[first][0]!r}, which factory() made "
                    f"{made_where(results[first][0])[1]}; expected one object per thread. An object kept for everybody "
                    "is shared, not per thread: look up *this* thread's object."
                )
    for name, got in results.items():
        maker, where = made_where(got[0])
        if maker is not threads[name]:
            return (
                f"{asked}: thread {name} received {got[0]!r}, which factory() made {where}. Each thread's object "
                "must be made by that thread's own first get()."
            )
    callers = sorted(called_in.get(thread, "(set-up)") for thread, _ in made)
    if callers != sorted(results):
        return (
            f"{asked}: factory() ran {len(made)} times ({', '.join(f'in thread {c}' for c in callers) or 'never'}); "
            "expected once in each thread, on its first get()."
        )
    return None


@scenario(
    "test_explorer_finds_each_thread_gets_its_own_object",
    finds=["factory_on_every_get", "local_made_in_get", "made_in_constructor", "one_shared_object"],
)
def two_threads_get_at_once():
    """Threads A and B each call get() twice on one PerThread; each gets its own object, made once, by itself."""

    def scenario(module):
        factory, made = counted_factory()
        per = module.PerThread(factory)
        threads = {}

        def verdict(results, run):
            return per_thread_problem(results, made, threads, "Threads A and B each called get() twice on one PerThread at the same time")

        return Plan({"A": gets(per, threads, "A"), "B": gets(per, threads, "B")}, verdict)

    return scenario


@scenario("test_explorer_finds_threads_with_one_name_get_different_objects", finds=["keyed_by_thread_name"])
def threads_with_one_name():
    """Threads A and B both take the name 'worker' and call get(); they still get one object each."""

    def scenario(module):
        factory, made = counted_factory()
        per = module.PerThread(factory)
        threads = {}

        def verdict(results, run):
            asked = "Threads A and B, both named 'worker', each called get() on one PerThread at the same time"
            problem = per_thread_problem(results, made, threads, asked)
            if problem and "both received" in problem:
                problem += " If get() tells threads apart by name: many threads may share one name, so a name does not tell them apart."
            return problem

        return Plan({"A": gets(per, threads, "A", 1, "worker"), "B": gets(per, threads, "B", 1, "worker")}, verdict)

    return scenario

# Helpers of the checks above: this exercise's own story ---------------------------------------


class Factory:
    """A factory that makes a new, numbered object per call and notes which thread called it."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple[threading.Thread, object]] = []
        self._lock = threading.Lock()
        self._fail_first = fail_first

    def __call__(self) -> object:
        with self._lock:
            number = len(self.calls) + 1
            if number <= self._fail_first:
                self.calls.append((threading.current_thread(), None))
                raise ConnectionError(f"factory call {number} failed on purpose")
            made = Made(number)
            self.calls.append((threading.current_thread(), made))
            return made

    def made_by(self, thread: threading.Thread) -> list[object]:
        return [made for caller, made in self.calls if caller is thread and made is not None]


class Made:
    """What the test factory makes: an object that says which call made it."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __repr__(self) -> str:
        return f"<object #{self.number} from the factory>"


def gets_in_one_thread(per, times, files):
    """Call per.get() `times` times in one new thread; return (thread, results)."""
    def body():
        return threading.current_thread(), [per.get() for _ in range(times)]

    return bounded(body, what=f"{times} calls of get() in one thread", files=files, advice=HANG_ADVICE)
