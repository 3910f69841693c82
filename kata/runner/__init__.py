"""One check run in a child process, and what it reported.

* :mod:`~kata.runner.run`: :func:`run_checks` and the :class:`Run` it returns;
* :mod:`~kata.runner.files`: what a run copies from the kata (and so what a progress result depends on);
* :mod:`~kata.runner.protocol`: the typed records the child's report plugin writes and the run reads;
* :mod:`~kata.runner.report_plugin`: that plugin (``-p kata.runner.report_plugin``), with ``--rounds``;
* :mod:`~kata.runner.sandbox`: resource limits, ``python -m kata.runner.sandbox cpu=N … -- CMD``;
* :mod:`~kata.runner.processes`: starting and ending the child on POSIX, Windows and macOS;
* :mod:`~kata.runner.forkserver`: a warm process that forks the runs (Linux), in place of two interpreter starts;
* :mod:`~kata.runner.isolation`: a uid, a mount namespace and limits per job slot when the grader runs as root;
* :mod:`~kata.runner.rounds`: reading a check id.
"""

from kata.runner.files import ALL, HIDDEN, PUBLIC, check_files, copy_checks
from kata.runner.rounds import check_name, round_of
from kata.runner.run import Limits, Run, collect_expected, expected_checks, run_checks, warm_up

__all__ = [
    "ALL",
    "HIDDEN",
    "PUBLIC",
    "Limits",
    "Run",
    "check_files",
    "check_name",
    "collect_expected",
    "copy_checks",
    "expected_checks",
    "round_of",
    "run_checks",
    "warm_up",
]
