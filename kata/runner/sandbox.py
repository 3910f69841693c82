"""Apply resource limits, then become the given command: ``python -m kata.runner.sandbox cpu=N mem=N fsize=N -- CMD…``.

``cpu`` is CPU seconds (all threads together), ``mem`` bytes of address space (which also caps
how many threads can start), ``fsize`` the largest file the command may write (a learner's
runaway printing fills pytest's capture file; writes past the limit fail instead of filling the
disk). The limits are inherited by everything the command starts.
"""

from __future__ import annotations

import os
import signal
import sys


def main(argv: list[str]) -> None:
    split = argv.index("--")
    settings = dict(arg.split("=", 1) for arg in argv[:split])
    command = argv[split + 1 :]
    try:
        import resource
    except ImportError:  # not on this platform: run without limits
        os.execvp(command[0], command)
    names = {"cpu": resource.RLIMIT_CPU, "mem": resource.RLIMIT_AS, "fsize": resource.RLIMIT_FSIZE}
    for key, value in settings.items():
        limit = int(value)
        resource.setrlimit(names[key], (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past fsize fails with an error instead of killing
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
