"""Every knob of the kata in one place: environment names under one prefix, their defaults, and the
supported Pythons. Modules read a setting through this module, never ``os.environ`` directly.

Environment variables (all optional):

* ``THREADKATA_TARGET``: the folder the checks import exercise modules from (default ``exercises/``).
* ``THREADKATA_ROUNDS``: how many rounds the project's own tests run each mutant, solution and
  alternative (default 1; the soak runs 20 and 50).
* ``THREADKATA_JOBS``: how many child runs the project's own tests run at once (default 2).
* ``THREADKATA_EXPLORE_SCHEDULES``: schedules per scenario when the explorer matrix tries correct
  code (default 200).
* ``THREADKATA_REPORT_FD``: set by the runner only, for the child's report plugin.
"""

from __future__ import annotations

import os

#: The prefix every environment variable of the kata starts with.
PREFIX = "THREADKATA_"

TARGET_ENV = PREFIX + "TARGET"
ROUNDS_ENV = PREFIX + "ROUNDS"
JOBS_ENV = PREFIX + "JOBS"
EXPLORE_SCHEDULES_ENV = PREFIX + "EXPLORE_SCHEDULES"
#: Environment variable naming the pipe the report plugin writes to (set by the runner, removed
#: by the plugin before any learner code runs).
REPORT_FD_ENV = PREFIX + "REPORT_FD"

#: Rounds of every mutant, solution and alternative in one run of the project's own tests.
DEFAULT_ROUNDS = 1
#: Child runs at once in the project's own tests.
DEFAULT_JOBS = 2
#: Schedules per scenario when the explorer matrix runs correct code.
DEFAULT_EXPLORE_SCHEDULES = 200

#: The CPython versions the kata supports and CI tests, oldest first.
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15")

#: What a learner installs (besides nox): the checks' only dependencies.
REQUIREMENTS = ("pytest>=8.0", "pytest-timeout>=2.2")


def integer(name: str, default: int) -> int:
    """An integer setting from the environment, ``default`` when unset or empty."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default
