"""Apply resource limits, then become the given command: ``python -m kata.runner.sandbox cpu=N mem=N fsize=N [uid=N …] -- CMD…``.

``cpu`` is CPU seconds (all threads together), ``mem`` bytes of address space (which also caps
how many threads can start), ``fsize`` the largest file the command may write (a learner's
runaway printing fills pytest's capture file; writes past the limit fail instead of filling the
disk). The limits are inherited by everything the command starts. With ``uid=N`` and the other
settings of :class:`~kata.runner.isolation.Jail` (given by the runner when the grader runs as
root), the process then shuts itself in (:func:`~kata.runner.isolation.enter`: its own mount
namespace, a process limit, an unprivileged uid) before it becomes the command; if it cannot, it
exits with :data:`JAIL_FAILED` and runs nothing.

A limit this system does not have or refuses (macOS refuses ``RLIMIT_AS``; Windows has no
``resource`` module at all) is skipped, and the run says so once, on its output; the wall-clock
limit of the runner still holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import ModuleType

#: The ``resource`` limit behind each setting.
LIMIT_NAMES = {"cpu": "RLIMIT_CPU", "mem": "RLIMIT_AS", "fsize": "RLIMIT_FSIZE"}
#: What the run says about the limits it could not apply.
SKIPPED = "threadkata: this system cannot apply the {names} limit(s) ({why}); the checks run without them."
#: The exit status of a sandbox that could not shut itself in (and so ran nothing).
JAIL_FAILED = 97
#: What it says then, on stderr.
JAIL_REFUSED = "threadkata: the run could not be isolated ({why}); nothing was run."


def _resource() -> ModuleType | None:
    try:
        import resource
    except ImportError:
        return None
    return resource


def apply_limits(settings: dict[str, str], resource: ModuleType | None) -> list[str]:
    """Set every limit ``resource`` can set; returns the settings it could not, after saying so once on stderr."""
    skipped, why = [], ""
    for key, value in settings.items():
        limit = int(value)
        try:
            resource.setrlimit(getattr(resource, LIMIT_NAMES[key]), (limit, limit))  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError) as error:
            skipped.append(key)
            why = why or ("no resource module" if resource is None else f"{type(error).__name__}: {error}")
    if skipped:
        print(SKIPPED.format(names=", ".join(skipped), why=why), file=sys.stderr, flush=True)
    return skipped


def shut_in(settings: dict[str, str]) -> None:
    """Apply the limits and, with ``uid=…``, the jail; exits with :data:`JAIL_FAILED` if the jail cannot be entered."""
    from kata.runner.isolation import Jail, enter

    jail = Jail.from_args(settings)
    apply_limits({k: v for k, v in settings.items() if k in LIMIT_NAMES}, _resource())
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past fsize fails with an error instead of killing
    if jail is not None:
        try:
            enter(jail)
        except Exception as why:  # noqa: BLE001 - whatever stops it, nothing may run unisolated
            print(JAIL_REFUSED.format(why=f"{type(why).__name__}: {why}"), file=sys.stderr, flush=True)
            os._exit(JAIL_FAILED)


def main(argv: list[str]) -> None:
    split = argv.index("--")
    settings = dict(arg.split("=", 1) for arg in argv[:split])
    command = argv[split + 1 :]
    shut_in(settings)
    if os.name == "posix":
        os.execvp(command[0], command)
    sys.exit(subprocess.call(command))  # Windows' exec starts a new process: wait for it instead


if __name__ == "__main__":
    main(sys.argv[1:])
