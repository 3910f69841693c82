"""OS isolation of a grading run when the grader runs as root (Gradescope's and most CI containers).

Each job slot of the grader has a uid of its own (:func:`slot_uid`: from ``$THREADKATA_GRADER_UID_BASE``
on, the first that no other grader on the machine holds; an arbitrary uid needs no passwd entry). A run's child, still root, calls
:func:`enter` before any learner code: a mount namespace of its own where the system allows one
(the grader's checkout and every folder only root could read are covered by empty read-only
folders, the interpreter's own folders put back; ``/tmp``, ``/var/tmp`` and ``/dev/shm`` and the
run's work folder are one size-limited tmpfs), ``RLIMIT_NPROC`` for the uid, then
``setgroups([])``, ``setgid`` and ``setuid``. A different uid cannot signal, ``prlimit`` or read
``/proc/<pid>/cwd`` and ``/proc/<pid>/fd`` of the grader, cannot enter another slot's run folder
(:func:`prepare`: readable by the slot's group only) and can write nowhere but its work folder and
the world-writable folders. After the run, :func:`kill_all` kills every process of the uid, so an
escapee that double-forked out of the process group dies too.

What a different uid alone does not hide (no mount namespace): every file other users may read
— the checkout is usually world-readable — and the world-writable folders, where only the file
size limit bounds what it writes; :data:`NOT_ISOLATED` and :data:`NO_NAMESPACE` say so once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kata import catalogue, settings

#: Said once on stderr when the grader cannot isolate its runs at the OS level.
NOT_ISOLATED = (
    "grader: note: not running as root, so the runs are not isolated at the OS level: learner code runs as {user}, "
    "can read what you can read (the hidden checks among it), write where you can write, and signal the grader. "
    "Grade untrusted work as root in a throwaway container, where each run gets a uid of its own."
)
#: Said once on stderr when the runs get a uid of their own but no mount namespace.
NO_NAMESPACE = (
    "grader: note: this system refuses a mount namespace ({why}); each run still has a uid of its own, but can read "
    "every world-readable file (the checkout, hidden checks included, unless you make it unreadable to others) and "
    "write to /tmp and /dev/shm within the file-size limit."
)
#: Said when the interpreter cannot be run by another uid and nothing can make it runnable.
UNREACHABLE = (
    "grader: note: {python} cannot be read by other users and this system refuses a mount namespace ({why}), "
    "so the runs cannot get a uid of their own; install a Python every user can read to isolate them."
)

#: The folders every user may write to, covered by the run's own tmpfs inside its namespace.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 1, 2, 4, 4096, 8192, 16384, 1 << 18
_PR_SET_CHILD_SUBREAPER = 36


#: How many uids past the base a grader looks at for one another grader on the machine has not claimed.
UID_SEARCH = 1000

_claimed: dict[int, tuple[int, int]] = {}  # slot -> (uid, the open lock file that holds it)
_claim_lock = threading.Lock()


def slot_uid(slot: int) -> int:
    """The uid (and gid) of job slot ``slot``: the first from ``$THREADKATA_GRADER_UID_BASE`` on that
    no other grader on this machine holds (a root-owned lock file per uid, held while we run), so two
    graders never kill each other's runs."""
    with _claim_lock:
        if slot not in _claimed:
            taken = {uid for uid, _ in _claimed.values()}
            base = settings.grader_uid_base()
            for uid in range(base, base + UID_SEARCH):
                if uid not in taken:
                    fd = _hold(uid)
                    if fd is not None:
                        _claimed[slot] = (uid, fd)
                        break
            else:
                raise OSError(f"every uid from {base} to {base + UID_SEARCH - 1} is held by another grader")
        return _claimed[slot][0]


def _hold(uid: int) -> int | None:
    """The descriptor of ``uid``'s lock file, locked by us; None when another grader holds it (or it is not root's)."""
    import fcntl

    path = os.path.join(tempfile.gettempdir(), f"threadkata-uid-{uid}.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError:
        return None
    try:
        if os.fstat(fd).st_uid != 0:
            raise OSError("not root's")
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def wanted() -> bool:
    """True where runs can be given a uid of their own: the grader runs as root on Linux."""
    return sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class Jail:
    """How a run's child is shut in; handed to the child as ``key=value`` settings."""

    uid: int
    work: str  # the one folder the uid may write (and its tmpfs in a namespace)
    nproc: int
    disk: int
    namespace: bool
    hide: str = ""  # the grader's checkout, covered inside the namespace

    def args(self) -> list[str]:
        return [f"uid={self.uid}", f"work={self.work}", f"nproc={self.nproc}", f"disk={self.disk}", f"ns={int(self.namespace)}", f"hide={self.hide}"]

    @classmethod
    def from_args(cls, values: dict[str, str]) -> Jail | None:
        if "uid" not in values:
            return None
        return cls(int(values["uid"]), values["work"], int(values["nproc"]), int(values["disk"]), values["ns"] == "1", values.get("hide", ""))


# -- what the system allows, found out once --------------------------------------------------

_said: set[str] = set()
_said_lock = threading.Lock()


def say_once(text: str) -> None:
    """Print ``text`` on stderr the first time only."""
    with _said_lock:
        if text in _said:
            return
        _said.add(text)
    print(text, file=sys.stderr, flush=True)


_mode: tuple[bool, bool] | None = None
_mode_lock = threading.Lock()


def mode() -> tuple[bool, bool]:
    """(uid of its own, mount namespace) for this system's runs; says once what is not isolated."""
    global _mode
    with _mode_lock:
        if _mode is None:
            _mode = _find_mode()
        return _mode


def _find_mode() -> tuple[bool, bool]:
    if not wanted():
        try:
            import getpass

            user = getpass.getuser()
        except Exception:  # noqa: BLE001 - only for the sentence
            user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "you"
        say_once(NOT_ISOLATED.format(user=user))
        return False, False
    why = _namespace_refused()
    if why is None:
        _become_subreaper()
        return True, True
    if any(_hidden_from_others(Path(p)) for p in _interpreter_paths(str(catalogue.ROOT.resolve()))):
        say_once(UNREACHABLE.format(python=sys.executable, why=why))
        return False, False
    say_once(NO_NAMESPACE.format(why=why))
    _become_subreaper()
    return True, False


def _namespace_refused() -> str | None:
    """None when a child can make a mount namespace of its own here, else why not (asked of a new
    interpreter: the grader has threads by now, and forking it would be unsafe)."""
    probe = "from kata.runner.isolation import _unshare_mounts; _unshare_mounts()"
    env = {**os.environ, "PYTHONPATH": str(catalogue.ROOT)}
    try:
        done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=catalogue.ROOT, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as why:
        return f"{type(why).__name__}: {why}"
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else f"unshare(CLONE_NEWNS) failed with exit status {done.returncode}"


def _become_subreaper() -> None:
    """Orphans of the runs become our children, so :func:`kill_all` can reap what it kills."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


# -- the run's folder, prepared by the grader ---------------------------------------------------


def prepare(scratch: Path, jail: Jail) -> None:
    """Make ``scratch`` enterable by the slot's gid only, its contents readable, ``jail.work`` the uid's own."""
    for folder, _, files in os.walk(scratch):
        os.chown(folder, 0, jail.uid)
        os.chmod(folder, 0o750)
        for name in files:
            path = os.path.join(folder, name)
            os.chown(path, 0, jail.uid)
            os.chmod(path, 0o440)
    os.makedirs(jail.work, exist_ok=True)
    os.chown(jail.work, jail.uid, jail.uid)
    os.chmod(jail.work, 0o700)


def folder_bytes(folder: str) -> int:
    """The bytes of every file below ``folder`` (links not followed); what a walk could see."""
    total, stack = 0, [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            total += entry.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        pass
        except OSError:
            pass
    return total


# -- in the child, as root, before any learner code ---------------------------------------------


def enter(jail: Jail) -> None:
    """Shut this process in: namespace (if any), process limit, then the uid. Raises if it cannot."""
    if jail.namespace:
        _unshare_mounts()
        _cover_secrets(jail)
    import resource

    resource.setrlimit(resource.RLIMIT_NPROC, (jail.nproc, jail.nproc))
    os.setgroups([])
    os.setgid(jail.uid)
    os.setuid(jail.uid)
    if os.getuid() != jail.uid or os.geteuid() != jail.uid:
        raise OSError(f"could not become uid {jail.uid}")
    os.environ["HOME"] = os.environ["TMPDIR"] = jail.work


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _unshare_mounts() -> None:
    if hasattr(os, "unshare"):
        os.unshare(_CLONE_NEWNS)
    elif _libc().unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing we mount reaches the grader's view


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _libc().mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _interpreter_paths(hide: str = "") -> list[str]:
    """The folders the interpreter and pytest are imported from, which the run must still reach.

    A folder of ``sys.path`` inside ``hide`` (the grader's checkout) is left out unless the
    interpreter itself lives there (a virtual environment in the checkout).
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths = {os.path.realpath(p) for p in prefixes}
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.isdir(real) and not (hide and _within(real, hide) and not any(_within(real, p) for p in paths)):
            paths.add(real)
    return sorted(paths)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _topmost(paths: set[str]) -> list[str]:
    return sorted(p for p in paths if not any(p != o and _within(p, o) for o in paths))


def _hidden_from_others(path: Path) -> bool:
    """True when some folder on the way to ``path`` is not searchable by other users."""
    return _first_hidden(str(path)) is not None


def _first_hidden(path: str) -> str | None:
    """The first folder from ``/`` to ``path`` (itself included) that other users cannot search."""
    for folder in [*reversed(Path(path).parents), Path(path)]:
        try:
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return str(folder)
        except OSError:
            return str(folder)
    return None


def _cover_secrets(jail: Jail) -> None:
    """Cover the checkout and every folder only root can search with an empty tmpfs, and the shared
    temporary folders with the run's own size-limited one; put back what the run needs below them.

    What is put back is bound from descriptors opened before anything was covered.
    """
    scratch = os.path.dirname(jail.work)
    needed = _interpreter_paths(jail.hide)
    secret = {jail.hide} if jail.hide else set()
    secret.update(hidden for path in needed for hidden in [_first_hidden(path)] if hidden)
    shared = {os.path.realpath(p) for p in SHARED_TMP if os.path.isdir(p)}
    covers = _topmost(secret | shared)
    keep = _topmost({*needed, scratch})
    _mount("threadkata", jail.work, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={jail.disk},mode=700,uid={jail.uid},gid={jail.uid}")
    own_tmp = os.path.join(jail.work, ".tmp")
    os.mkdir(own_tmp)
    os.chmod(own_tmp, 0o1777)
    kept = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep}
    tmp_fd = os.open(own_tmp, os.O_PATH | os.O_DIRECTORY)
    for cover in covers:
        if cover in shared:
            _mount(f"/proc/self/fd/{tmp_fd}", cover, None, _MS_BIND)
        else:
            _mount("threadkata", cover, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=755")
        for path, fd in kept.items():
            if _within(path, cover):
                os.makedirs(path, mode=0o755, exist_ok=True)
                _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
    for fd in [*kept.values(), tmp_fd]:
        os.close(fd)


# -- after the run, in the grader ---------------------------------------------------------------


def processes_of(uid: int) -> tuple[list[int], list[int]]:
    """Every live process whose real, effective, saved or file-system uid is ``uid``, and its dead ones we must reap."""
    found, ours = [], []
    me = str(os.getpid())
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if str(uid) not in fields.get("Uid", "").split():
            continue
        if not fields.get("State", "").strip().startswith(("Z", "X")):
            found.append(int(name))
        elif fields.get("PPid", "").strip() == me:
            ours.append(int(name))  # a zombie counts against RLIMIT_NPROC until it is reaped
    return found, ours


#: Seconds :func:`kill_all` keeps killing before it gives up (a fork bomb is over in milliseconds).
KILL_SECONDS = 10.0


def kill_all(uid: int) -> bool:
    """SIGKILL every process of ``uid`` and reap those that became ours, until none is left; True when none is."""
    deadline = time.monotonic() + KILL_SECONDS
    while True:
        found, dead = processes_of(uid)
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap(dead)
        if not found and not dead:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)


def clean_shared(uid: int) -> None:
    """Remove what ``uid`` left directly in the world-writable folders (where no namespace covered them)."""
    from kata.runner.files import remove_tree

    for shared in SHARED_TMP:
        try:
            with os.scandir(shared) as entries:
                left = [entry.path for entry in entries if entry.stat(follow_symlinks=False).st_uid == uid]
        except OSError:
            continue
        for path in left:
            remove_tree(path)


def _reap(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)  # a zombie whose parent is us: never another run's live child
        except ChildProcessError:
            pass
