"""How the checks fail and phrase what they saw: one message for the learner, no pytest trace."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import pytest

# Bound before any learner module is imported, so learner code that replaces them (to silence a
# failure or switch off the forced thread switches) does not change what the checks do.
_pytest_fail = pytest.fail


HUNG = "{what} did not return within {seconds:g} s."

#: A wait cut short because every thread of the check waits with no timeout: none can wake the others.
HUNG_FOR_GOOD = (
    "{what} can never return: every thread of this check has been waiting with no timeout "
    "(on a Condition, an Event, a queue or a join) {how}, so none is left to wake the others."
)

#: A wait cut short because it stands where an earlier check already proved a hang: the same
#: words for every such check, so the run shows the cause once.
HUNG_AGAIN = (
    "Your code hung again where it hung in {check} (see that report): a thread this check waited for "
    "stood at {where}, {why}, so the check stopped waiting."
)

#: A wait cut short because threads wait for locks that no thread can release (see kata.harness.deadlocks).
HUNG_LOCKED = "{what} can never return: {story}. No thread is left to release {it}, so the check stopped waiting."


def waited_for(seconds: float, proved: bool) -> str:
    """"waited 1.0 s" for a wait that ran out, or "waited" for one cut short because it was proved
    that no company could come (see :meth:`kata.harness.forcing.Company.wait`): its length says nothing."""
    return "waited" if proved else f"waited {seconds:.1f} s"


def fail(message: str, cause: str | None = None) -> None:
    """Fail the current check with a message for the learner and no pytest trace. Checks failing
    with the same ``cause`` (a fixed text: a message template, say) are shown as one, like checks
    failing with the same message, though their messages differ in details."""
    __tracebackhide__ = True
    try:
        _pytest_fail(message, pytrace=False)
    except BaseException as failed:
        if cause is not None:
            failed.kata_cause = cause  # type: ignore[attr-defined]  # read by the plugin's report hook
        raise


def expect(condition: object, message: str, cause: str | None = None) -> None:
    """Fail with ``message`` unless ``condition`` holds (``cause`` as for :func:`fail`)."""
    __tracebackhide__ = True
    if not condition:
        fail(message, cause)


def times(n: int) -> str:
    """How many times, in words: once, twice, 3 times."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def spaced(n: int) -> str:
    """A count as a learner reads it: 80 000."""
    return f"{n:,}".replace(",", " ")


def natural(text: str) -> tuple:
    """A sort key that orders numbers by value: 'Thread-4' before 'Thread-10'."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def describe_threads(threads: Iterable[threading.Thread]) -> str:
    """``'Thread-3 (work)' (daemon), 'Thread-4'``, in natural order of their names."""
    return ", ".join(f"{t.name!r}" + (" (daemon)" if t.daemon else "") for t in sorted(threads, key=lambda t: natural(t.name)))


def named(error: BaseException) -> str:
    """An exception as code would build it: ``KeyError('k')``."""
    return f"{type(error).__name__}({str(error)!r})"


def said(outcome) -> str:
    """What a call did, in full: ``returned 3`` or ``raised KeyError: 'k'``."""
    error = outcome.error
    return f"raised {type(error).__name__}: {error}" if error is not None else f"returned {outcome.value!r}"


def said_briefly(outcome) -> str:
    """What a call did, naming only an exception's type: ``returned 3`` or ``raised KeyError``."""
    error = outcome.error
    return f"raised {type(error).__name__}" if error is not None else f"returned {outcome.value!r}"


def arguments(*args: object, **kwargs: object) -> str:
    """Arguments as a call shows them: ``'a', 1, timeout=0.5``."""
    return ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
