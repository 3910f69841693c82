"""Starting a check run's child and ending it with everything it started, on every desktop.

On POSIX the child leads a process group of its own and inherits the report pipe by number; at
the end the whole group is killed. Where a child cannot inherit a descriptor (Windows) the report
goes to a file in a private temporary folder instead; where there are no process groups the child
is ended with its children (``taskkill /T`` on Windows), or on its own where nothing better exists.
Each facility is looked up when it is used, so the project's tests can take one away and watch
the fallback work.
"""

from __future__ import annotations

import os
import signal
import subprocess


def can_pass_fds() -> bool:
    """True where a child can inherit a pipe by number (``Popen(pass_fds=…)``)."""
    return os.name == "posix"


def has_process_groups() -> bool:
    """True where the child can lead a process group that is killed as a whole."""
    return hasattr(os, "killpg") and hasattr(os, "setsid")


def isolation() -> dict:
    """``Popen`` arguments that put the child and what it starts apart from us, as far as this system allows."""
    if has_process_groups():
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def end(child: subprocess.Popen) -> None:
    """Kill ``child`` and the processes it started; never raises."""
    if has_process_groups():
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    if os.name == "nt":
        try:  # the whole tree: a learner's stray subprocess must not outlive the run
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(child.pid)], capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        child.kill()
    except OSError:
        pass
