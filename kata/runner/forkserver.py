"""A warm process that forks each check run, in place of two interpreter starts per run.

    python -m kata.runner.forkserver FD          # started by the runner, never by hand

The server imports pytest, its plugins and the kata's harness once — never a check file, never
learner code — and then, for each request on its control socket (``AF_UNIX``, ``SOCK_SEQPACKET``:
one message per request, the run's descriptors passed along with ``SCM_RIGHTS``), forks a child
that does what ``python -m kata.runner.sandbox … -- python -m pytest …`` did: its own session
(process group), the run's descriptors as stdin/stdout/stderr and report pipe, the run's folder
and environment, the resource limits, the jail of :mod:`kata.runner.isolation` (uid, namespace,
process limit) — all before pytest starts, so before any learner code — and then ``pytest.main``,
which loads only the plugins the run names (the kata's and pytest-timeout, handed over already
imported), never every plugin installed (:data:`NO_AUTOLOAD`).
The server answers with the child's pid and, when it ends, its exit status. It has no thread, so
forking is safe; it serves one run at a time (the runner starts one server per job slot).

Where ``fork`` does not exist or is not safe (Windows, macOS) the runner spawns as before.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

#: The largest request (a run's command line and environment), in bytes.
MAX_REQUEST = 1 << 20
#: The exit status of a child that failed before pytest started (as the sandbox's).
SETUP_FAILED = 97
#: What the server says once it is ready.
READY = b"ready"
#: Seconds the runner waits for a server to start, and for an answer it must give at once.
START_SECONDS = 60.0


class Server:
    """The runner's end of one server: start it, ask it for runs, end it by closing the socket."""

    def __init__(self, python: str, root: Path, launch: Callable[[Callable[[], subprocess.Popen]], subprocess.Popen] = lambda start: start()) -> None:
        """Start the server and wait until it is ready. ``launch`` runs the process's start (a
        callable) and returns what it returns: the runner starts every server from one thread that
        lives as long as it does, since the kernel kills a server (``PR_SET_PDEATHSIG``) when the
        thread that started it ends."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            self.process = launch(lambda: subprocess.Popen(
                [python, "-m", "kata.runner.forkserver", str(theirs.fileno())], cwd=root, env=env, pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
            ))  # fmt: skip
        finally:
            theirs.close()
        self.control = ours
        ours.settimeout(START_SECONDS)
        try:
            ready = ours.recv(64)
        except OSError:
            ready = b""
        if ready != READY:
            self.close()
            why = self.process.stderr.read().decode("utf-8", "replace").strip().splitlines()  # type: ignore[union-attr]
            raise OSError(f"the fork server did not start ({why[-1] if why else 'no output'})")
        self.process.stderr.close()  # type: ignore[union-attr]

    def alive(self) -> bool:
        return self.process.poll() is None

    def start(self, request: dict, report: int) -> tuple[Forked, int]:
        """Ask for one run; returns the child and the read end of its output (which the caller owns)."""
        read, write = os.pipe()
        stdin = os.open(os.devnull, os.O_RDONLY)
        try:
            self.control.settimeout(START_SECONDS)
            socket.send_fds(self.control, [json.dumps(request).encode()], [stdin, write, report])
            pid = json.loads(self.control.recv(MAX_REQUEST))["pid"]
        except BaseException:
            os.close(read)
            self.close()
            raise
        finally:
            os.close(write)
            os.close(stdin)
        return Forked(self, pid), read

    def close(self) -> None:
        self.control.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Forked:
    """A run forked by a :class:`Server`, waited for as a ``Popen`` is: ``pid``, ``wait``, ``kill``."""

    def __init__(self, server: Server, pid: int) -> None:
        self.server, self.pid = server, pid
        self.returncode: int | None = None
        self.lock = threading.Lock()

    def wait(self, timeout: float | None = None) -> int:
        with self.lock:
            if self.returncode is None:
                self.server.control.settimeout(timeout)
                try:
                    message = self.server.control.recv(MAX_REQUEST)
                except TimeoutError:
                    raise subprocess.TimeoutExpired("forked run", timeout or 0) from None
                if not message:
                    raise OSError("the fork server ended during a run")
                self.returncode = int(json.loads(message)["status"])
            return self.returncode

    def kill(self) -> None:
        try:
            os.killpg(self.pid, 9)
        except OSError:
            pass


def available() -> bool:
    """True where the runner may fork its runs from a server: Linux (fork is unsafe on macOS, absent on Windows)."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


#: The plugins a run names with ``-p`` that the server imports once and each run's ``pytest.main``
#: is handed as objects (``plugins=``), so no run imports, rewrites or compiles them again.
PRELOADED = ("kata.runner.report_plugin", "pytest_timeout")
#: Set in every forked run: pytest loads no plugin just because it is installed (scanning every
#: installed distribution's entry points costs each run tens of milliseconds, and an installed
#: hypothesis or pytest-benchmark more); the checks need only the kata's plugins and pytest-timeout,
#: which the run names (``-p pytest_timeout``, added by the child when the server could import it).
NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
#: What pytest imports in every run only once the run has started (reading ``pyproject.toml``,
#: setting up ``--pdb`` and faulthandler, comparing versions), imported by the server instead.
LAZY_IMPORTS = ("_pytest._argcomplete", "faulthandler", "pdb", "readline", "packaging.version", "tomllib", "tomli")


def warm_up() -> None:
    """Import what every run needs, so each child finds it imported; nothing that runs learner code.

    That is pytest with every plugin of its own, the kata's harness and :data:`PRELOADED`.
    """
    import importlib
    import pkgutil

    import _pytest.assertion.rewrite  # noqa: F401
    import _pytest.config
    import _pytest.python  # noqa: F401
    import pytest  # noqa: F401

    import kata.harness
    import kata.harness.plugin  # noqa: F401 - what the checks' conftest re-exports
    import kata.runner.isolation  # noqa: F401
    import kata.runner.sandbox  # noqa: F401

    for name in _pytest.config.default_plugins:
        importlib.import_module(f"_pytest.{name}")
    for name in LAZY_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # not on this Python (tomllib before 3.11, tomli after): pytest does without it too
    for module in pkgutil.iter_modules(kata.harness.__path__, "kata.harness."):
        importlib.import_module(module.name)  # the harness modules only some checks import
    # The plugins pytest would load by name are imported here, never by pytest in the run: pytest
    # would rewrite their assertions as it imports them, and it warns about any it finds already
    # imported. Handed over as objects (:func:`_plugins`), they are registered without either.
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # pytest-timeout not installed: the run goes without, as a bare pytest run would


def _plugins(args: list[str]) -> list[object]:
    """The modules of :data:`PRELOADED` that ``args`` names with ``-p`` (for ``pytest.main(plugins=…)``)."""
    named = {value for option, value in zip(args, args[1:]) if option == "-p"}
    return [sys.modules[name] for name in PRELOADED if name in named and name in sys.modules]


def serve(control: socket.socket) -> None:
    control.send(READY)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, MAX_REQUEST, 8)
        except OSError:
            return
        if not message:
            return  # the runner is gone
        request = {**json.loads(message), "server": os.getpid()}
        pid = os.fork()
        if pid == 0:
            control.close()
            _child(request, fds)  # never returns
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        control.send(json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode())


def _child(request: dict, fds: list[int]) -> None:
    """Become the run: session, descriptors, folder, environment, limits, jail, then pytest. Never returns."""
    code = SETUP_FAILED
    try:
        os.setsid()
        stdin, output, report = fds
        os.dup2(stdin, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        for fd in (stdin, output):
            if fd > 2:
                os.close(fd)
        os.closerange(3, report)  # nothing of the server's but the report pipe
        os.closerange(report + 1, 4096)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own streams
        sys.stdout = open(1, "w", closefd=False, buffering=1)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False, buffering=1)  # noqa: SIM115
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ[request["report_env"]] = str(report)
        from kata.runner import sandbox

        sandbox.shut_in(request["settings"])
        _prctl(_PR_SET_DUMPABLE, 1)  # as after an exec: a process that changed uid is otherwise not even allowed its own /proc entries
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # the server's end is the run's (set after the uid changed, which clears it)
        if os.getppid() != request["server"]:
            os._exit(code)  # the server ended before the signal was asked for
        sys.path[:0] = [request["cwd"], *request["env"].get("PYTHONPATH", "").split(os.pathsep)]
        _import_from(request["cwd"])
        args = [*request["args"], *(["-p", "pytest_timeout"] if "pytest_timeout" in sys.modules else [])]
        os.environ[NO_AUTOLOAD] = "1"
        sys.argv = ["pytest", *args]
        import pytest

        code = int(pytest.main(args, plugins=_plugins(args)))
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException as why:  # noqa: BLE001 - the run's output says what went wrong
        try:
            print(f"threadkata: the run could not start ({type(why).__name__}: {why})", file=sys.stderr)
        except BaseException:  # noqa: BLE001
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _import_from(checks: str) -> None:
    """Point the kata's packages at the run's own copy, so what is imported from now on comes from there.

    The modules the server imported stay (the run's copy is a copy of the same files); the server's
    own folder may be out of the run's sight (covered in its mount namespace). A tuple of folder
    prefixes in the server's folder (``calls._CHECK_CODE``, by which the harness tells the checks'
    frames from the learner's) gains the run's copies: the check files' frames come from there,
    the harness's from the server's imports.
    """
    from kata import catalogue

    old, new = catalogue.ROOT, Path(checks)
    prefix = str(old.resolve()) + os.sep
    for name, module in list(sys.modules.items()):
        if not (name == "kata" or name.startswith("kata.")):
            continue
        if hasattr(module, "__path__"):
            module.__path__ = [os.path.join(checks, *name.split("."))]
        for attribute, value in list(vars(module).items()):  # catalogue.ROOT, TESTS, HINTS …: the run's folders
            if isinstance(value, Path) and (value == old or old in value.parents):
                setattr(module, attribute, new / value.relative_to(old))
            elif isinstance(value, tuple) and value and all(isinstance(v, str) and v.startswith(prefix) for v in value):
                setattr(module, attribute, value + tuple(os.path.join(checks, v[len(prefix) :]) for v in value))


_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE = 1, 4


def _prctl(option: int, value: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> None:
    runner = os.getppid()
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # a killed runner takes its server along, and so every run
    if os.getppid() != runner:
        return
    control = socket.socket(fileno=int(argv[0]))
    warm_up()
    gc.collect()
    gc.freeze()  # what the server imported is never collected in a run: pytest's several gc.collect() calls skip it, and its pages stay shared
    serve(control)


if __name__ == "__main__":
    main(sys.argv[1:])
