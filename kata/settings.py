"""Every knob of the kata in one place: environment names under one prefix, their defaults, and the
supported Pythons. Modules read a setting through this module, never ``os.environ`` directly.

Environment variables (all optional):

* ``THREADKATA_TARGET``: the folder the checks import exercise modules from (default ``exercises/``).
* ``THREADKATA_TIME_SCALE``: a factor every wait bound of the checks is multiplied by (default 1.0).
  A slow or heavily loaded machine whose correct answers fail with "did not return within …"
  can give them longer, in one place: ``THREADKATA_TIME_SCALE=2 nox -s check-03``. Values below
  1 are refused, so the bounds can only stretch, never tighten into false failures.
* ``THREADKATA_ROUNDS``: how many rounds the project's own tests run each mutant, solution and
  alternative (default 1, as in CI; the soak runs 20 and 50).
* ``THREADKATA_JOBS``: how many child runs the project's own tests run at once (default 2).
* ``THREADKATA_EXPLORE_SCHEDULES``: schedules per scenario when the explorer matrix tries correct
  code (default 200; ``nox -s explore-bench`` runs 1000).
* ``THREADKATA_GRADER_UID_BASE``: when the grader runs as root, job slot N runs learner code as
  uid (and gid) base + N (default 59000: below 65536, so it maps inside a rootless container's user
  namespace, and above Debian's ordinary accounts). No passwd entry is needed; the grader refuses
  to start if a process already runs under one of these uids, since it kills all of them; a second
  grader on the same machine takes the next uids that no grader holds.
* ``THREADKATA_REPORT_FD``: set by the runner only, for the child's report plugin.
"""

from __future__ import annotations

import os

#: The prefix every environment variable of the kata starts with.
PREFIX = "THREADKATA_"

TARGET_ENV = PREFIX + "TARGET"
TIME_SCALE_ENV = PREFIX + "TIME_SCALE"
ROUNDS_ENV = PREFIX + "ROUNDS"
JOBS_ENV = PREFIX + "JOBS"
EXPLORE_SCHEDULES_ENV = PREFIX + "EXPLORE_SCHEDULES"
#: Environment variable naming the pipe the report plugin writes to (set by the runner, removed
#: by the plugin before any learner code runs).
REPORT_FD_ENV = PREFIX + "REPORT_FD"
GRADER_UID_BASE_ENV = PREFIX + "GRADER_UID_BASE"

#: The factor the checks' wait bounds are multiplied by when ``THREADKATA_TIME_SCALE`` is unset.
DEFAULT_TIME_SCALE = 1.0
#: Rounds of every mutant, solution and alternative in one run of the project's own tests.
DEFAULT_ROUNDS = 1
#: Child runs at once in the project's own tests.
DEFAULT_JOBS = 2
#: Schedules per scenario when the explorer matrix runs correct code.
DEFAULT_EXPLORE_SCHEDULES = 200

#: The uid of the grader's job slot 0 when it runs as root (slot N gets this plus N).
DEFAULT_GRADER_UID_BASE = 59000
#: Processes and threads one isolated run may have at once (``RLIMIT_NPROC`` for its uid): the
#: checks start a few dozen threads at most; a fork bomb stops here.
GRADER_NPROC = 256
#: Bytes one isolated run may write in all (its work folder, ``/tmp``, ``/dev/shm``), beside the
#: per-file limit: a disk filler stops here.
GRADER_DISK_BYTES = 128 * 2**20

#: The CPython versions the kata supports and CI tests, oldest first.
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
#: The CPython whose test session also runs the tooling tests (grader, learner tools, release):
#: they do not depend on the interpreter's threading, and this one is on the host, not in a chroot.
TOOLING_PYTHON = "3.13"

#: The pytest and pytest-timeout versions the kata is tested with: CI's test sessions install
#: exactly these, and so do the learner's virtualenv, the student copy's GitHub Classroom workflow
#: and the Gradescope autograder, so a semester's checks behave as they did when it was prepared.
#: Moving to a newer release is a change here, tested by CI on every supported Python.
PINS = {"pytest": "9.2.0", "pytest-timeout": "2.4.0"}
#: What a learner installs (besides nox): the checks' only dependencies, pinned.
REQUIREMENTS = tuple(f"{name}=={version}" for name, version in PINS.items())


def text(name: str, default: str = "") -> str:
    """A text setting from the environment, ``default`` when unset or empty."""
    return os.environ.get(name, "").strip() or default


def integer(name: str, default: int) -> int:
    """An integer setting from the environment, ``default`` when unset or empty."""
    value = text(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"${name} must be a whole number, got {value!r}") from None


def number(name: str, default: float) -> float:
    """A decimal setting from the environment, ``default`` when unset or empty."""
    value = text(name)
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"${name} must be a number, got {value!r}") from None


def time_scale() -> float:
    """The factor the checks' wait bounds are multiplied by: ``$THREADKATA_TIME_SCALE``, at least 1."""
    scale = number(TIME_SCALE_ENV, DEFAULT_TIME_SCALE)
    if not scale >= 1.0:
        raise ValueError(f"${TIME_SCALE_ENV} stretches the checks' time bounds and must be at least 1, got {scale!r}")
    return scale


def rounds() -> int:
    """Rounds of every mutant, solution and alternative: ``$THREADKATA_ROUNDS`` or the default."""
    return integer(ROUNDS_ENV, DEFAULT_ROUNDS)


def jobs() -> int:
    """Child runs at once in the project's own tests: ``$THREADKATA_JOBS`` or the default."""
    return integer(JOBS_ENV, DEFAULT_JOBS)


def grader_uid_base() -> int:
    """The uid of the grader's job slot 0 when it runs as root: ``$THREADKATA_GRADER_UID_BASE`` or the default."""
    base = integer(GRADER_UID_BASE_ENV, DEFAULT_GRADER_UID_BASE)
    if base <= 0:
        raise ValueError(f"${GRADER_UID_BASE_ENV} must be a uid above 0 (root), got {base}")
    return base


def explore_schedules() -> int:
    """Schedules per scenario for correct code: ``$THREADKATA_EXPLORE_SCHEDULES`` or the default."""
    return integer(EXPLORE_SCHEDULES_ENV, DEFAULT_EXPLORE_SCHEDULES)
