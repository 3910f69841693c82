"""Messages a learner or instructor reads, kept in one place so checks, grader and tests agree."""

from __future__ import annotations

import enum


class Status(str, enum.Enum):
    """How one check (or one graded exercise) ended: the words the report, the runner and the grader share.

    A member is its own string (``Status.PASSED == "passed"``), so JSON reports read the same as before.
    """

    PASSED = "passed"
    FAILED = "failed"
    #: A check that broke outside its own body (in a fixture or at teardown), or a run that crashed.
    ERROR = "error"
    SKIPPED = "skipped"
    #: The grader's: the run was stopped at its wall-clock limit before the check reported.
    TIMEOUT = "timeout"
    #: The grader's: the submission has no file for the exercise.
    MISSING = "missing"

    def __str__(self) -> str:
        return self.value


MISSING_FILE = "There is no {file} in {folder}. Each exercise is one file named after it; is it saved under that name?"

SYNTAX_ERROR = "{file} cannot be imported: line {line} has a syntax error ({msg}):\n    {text}"

IMPORT_ERROR = "{file} raised an error while being imported, before any check ran:\n    {error}"

NOT_WRITTEN = (
    "{name}() is not written yet: {file} still raises NotImplementedError at line {line}. "
    "Replace the TODO there with your code."
)

THREAD_ERROR = (
    "An exception escaped from thread {thread!r} and was lost: {error}\n"
    "Nobody is told when a thread dies of an exception; the code that started it must catch it "
    "and pass it on, or the work silently never happens.\n{trace}"
)

#: Ends the one report shown for checks that failed with the same message.
SAME_FAILURE = "… and {count} more check(s) failed the same way: {checks}."

LEFTOVER_THREADS = (
    "threadkata: {count} non-daemon thread(s) were still running when the checks ended ({names}). "
    "A Python program waits for every non-daemon thread before it exits, so this run is being ended "
    "by force. Join the threads you start, or give them a way to stop."
)

#: The hint a failing run shows: the first one for its first failing check (see kata/hints.py).
HINT = "Hint: {hint}\n(hint {number} of {total}; `nox -s hint -- {exercise}` shows another, {file} has them all)"

FIX_NEXT = "Next: fix exercise {number} ({file}) — run `nox -s check-{number}` to see only its checks."

WELL_DONE_NEXT = "Well done — every check passes! Next: open {file} and run `nox -s check-{number}`."

ALL_PASS_IN = "Every check passes for the files in {folder}."

ALL_DONE = "Well done — every check of the kata passes. The solutions/ folder shows one reference answer per exercise to compare with."

#: The message of a check the child run never reported.
CHECK_NOT_RUN = (
    "this check never reported: the check process ended before it finished ({why}). "
    "Code that loops forever, exits the process (os._exit, sys.exit) or crashes it ends every check with it."
)

#: What a learner is told about a failed hidden check: the behaviour, never the check's code.
HIDDEN_FAILED = (
    "A hidden check failed: {behaviour}. "
    "Hidden checks test the same behaviours as the public ones in other ways; re-read the exercise's docstrings."
)

#: Shown under a public run when the grader will add hidden checks.
HIDDEN_NOTE = "The grader adds {count} hidden check(s) to this exercise, on the same behaviours."

#: Every check of a run whose report shows a second writer.
TAMPERED = "The results of this run cannot be trusted ({why}), so no check of it counts."

#: Replaces a learner-visible message that quotes the hidden checks.
WITHHELD = "This message was withheld because it quoted the hidden checks."
