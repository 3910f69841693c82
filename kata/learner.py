"""The learner's loop: progress, hints, watch mode, solution reveal and reset.

    python -m kata.learner progress
    python -m kata.learner hint NN
    python -m kata.learner watch [--interval SECONDS]
    python -m kata.learner solution NN
    python -m kata.learner reset NN [--yes]

Every command takes ``--target DIR`` (default: exercises/). State — which hints were shown,
cached results of unchanged files, backups made by ``reset`` — lives in ``.threadkata/`` beside
the target folder. The nox sessions ``progress``, ``hint``, ``watch``, ``solution`` and ``reset``
call these.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kata import catalogue, hints
from kata.runner import PUBLIC, run_checks
from kata.runner.files import run_files

DONE, FAILING, NOT_STARTED, MISSING = "done", "failing", "not started", "missing"
MARKS = {DONE: "✔", FAILING: "✘", NOT_STARTED: "·", MISSING: "?"}
#: The marks on a console whose encoding has no ✔ (a legacy Windows code page).
ASCII_MARKS = {DONE: "+", FAILING: "x", NOT_STARTED: ".", MISSING: "?"}
CLEAR = "\033[2J\033[H"
#: ``SetConsoleMode`` flag that makes a Windows console obey escape codes.
ENABLE_VIRTUAL_TERMINAL_PROCESSING = 0x0004


def console_supports_ansi(stream=None) -> bool:
    """True where escape codes written to ``stream`` (default stdout) clear the screen instead of showing up as text.

    A pipe or a file never; a POSIX terminal unless ``TERM=dumb``; a Windows console once
    colorama (which comes with pytest there) or ``SetConsoleMode`` has switched it to VT mode.
    """
    stream = sys.stdout if stream is None else stream
    try:
        if not stream.isatty():
            return False
    except (AttributeError, ValueError, OSError):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return True if os.name != "nt" else _windows_vt_mode()


def _windows_vt_mode() -> bool:
    try:
        import colorama

        colorama.just_fix_windows_console()
        return True
    except (ImportError, AttributeError):
        pass
    try:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.GetStdHandle(-11)  # STD_OUTPUT_HANDLE
        mode = ctypes.c_uint32()
        if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            return False
        return bool(kernel32.SetConsoleMode(handle, mode.value | ENABLE_VIRTUAL_TERMINAL_PROCESSING))
    except (ImportError, AttributeError, OSError):
        return False


def marks_for(stream=None) -> dict[str, str]:
    """:data:`MARKS` where ``stream`` (default stdout) can encode them, :data:`ASCII_MARKS` where it cannot."""
    encoding = getattr(sys.stdout if stream is None else stream, "encoding", None) or "ascii"
    try:
        "".join(MARKS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKS
    return MARKS


def state_dir(target: Path) -> Path:
    return target.parent / ".threadkata"


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def is_untouched(source: str) -> bool:
    """True if every function in ``source`` still only raises NotImplementedError (docstrings aside)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not functions:
        return False
    for function in functions:
        body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if not (len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in ast.unparse(body[0])):
            return False
    return True


def _fingerprint(exercise: catalogue.Exercise, source: bytes) -> str:
    digest = hashlib.sha256(source)
    for path in run_files(exercise, PUBLIC):  # what the run would copy: a change to any of it re-runs the checks
        digest.update(path.relative_to(catalogue.ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def status(exercise: catalogue.Exercise, target: Path, use_cache: bool = True) -> str:
    """done / failing / not started / missing, running the checks only for files that changed."""
    return statuses([exercise], target, use_cache)[exercise.stem]


#: How many exercises' checks ``progress`` runs at once: half the cores, so that the checks, which
#: measure time, are not starved of CPU (one at a time on a two-core machine).
JOBS = max(1, (os.cpu_count() or 1) // 2)


def _checked(exercise: catalogue.Exercise, target: Path) -> str:
    run = run_checks(exercise, target)
    return DONE if run.collected and not run.failures_by_round(1)[0] and not run.timed_out else FAILING


def statuses(exercises: list[catalogue.Exercise], target: Path, use_cache: bool = True, jobs: int = JOBS, tell=None) -> dict[str, str]:
    """Each exercise's state; the checks of those whose files changed run, ``jobs`` at a time.

    ``tell(text)``, if given, hears what is being checked and how each one ended, as it happens.
    """
    found: dict[str, str] = {}
    changed = []
    for exercise in exercises:
        known = known_status(exercise, target)
        if known in (MISSING, NOT_STARTED) or (use_cache and known is not None):
            found[exercise.stem] = known
        else:
            changed.append(exercise)
    if changed:
        if tell:
            tell(f"Checking {len(changed)} changed exercise(s): {', '.join(e.number for e in changed)} …")
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            started = time.monotonic()
            running = {pool.submit(_checked, e, target): e for e in changed}
            for future in concurrent.futures.as_completed(running):
                exercise = running[future]
                found[exercise.stem] = future.result()
                if tell:
                    tell(f"  {exercise.number} {exercise.title}: {found[exercise.stem]} ({time.monotonic() - started:.0f} s)")
        cache_file = state_dir(target) / "results.json"
        cache = _load(cache_file)
        for exercise in changed:
            cache[exercise.stem] = {"key": _fingerprint(exercise, (target / f"{exercise.stem}.py").read_bytes()), "status": found[exercise.stem]}
        try:
            _save(cache_file, cache)
        except OSError:
            pass
    return found


def known_status(exercise: catalogue.Exercise, target: Path) -> str | None:
    """What is known without running any check: missing, not started, or a cached result that
    still matches the file; None if the checks would have to run to tell."""
    path = target / f"{exercise.stem}.py"
    if not path.is_file():
        return MISSING
    source = path.read_bytes()
    if is_untouched(source.decode("utf-8", "replace")):
        return NOT_STARTED
    cached = _load(state_dir(target) / "results.json").get(exercise.stem, {})
    return cached.get("status") if cached.get("key") == _fingerprint(exercise, source) else None


def remember_pass(exercise: catalogue.Exercise, target: Path) -> None:
    """Record that every public check of ``exercise`` just passed on the file as it is now."""
    path = target / f"{exercise.stem}.py"
    try:
        cache_file = state_dir(target) / "results.json"
        cache = _load(cache_file)
        cache[exercise.stem] = {"key": _fingerprint(exercise, path.read_bytes()), "status": DONE}
        _save(cache_file, cache)
    except OSError:
        pass


def progress(target: Path, marks: dict[str, str] = MARKS, tell=None) -> str:
    """Every exercise's state, a bar and what to do next; ``tell`` hears the checks as they run (see :func:`statuses`)."""
    exercises = catalogue.all_exercises()
    found = statuses(exercises, target, tell=tell)
    lines, done, upcoming = [], 0, None
    for exercise in exercises:
        state = found[exercise.stem]
        done += state == DONE
        if state != DONE and upcoming is None:
            upcoming = exercise
        lines.append(f"  {marks[state]} {exercise.number} {exercise.title:<20} {state}")
    width = 32
    filled = round(width * done / len(exercises)) if exercises else 0
    lines.append("")
    lines.append(f"  [{'#' * filled}{'.' * (width - filled)}] {done}/{len(exercises)} exercises done")
    if upcoming:
        lines.append(f"  Next: exercises/{upcoming.stem}.py — run `nox -s check-{upcoming.number}` (stuck? `nox -s hint -- {upcoming.number}`)")
    else:
        lines.append("  Every exercise passes. Well done!")
    return "\n".join(lines)


def next_hint(exercise: catalogue.Exercise, target: Path) -> str:
    """The next hint not yet shown for ``exercise``: those for the checks that failed last come first (see kata/hints.py)."""
    hint, last = hints.following(exercise, target)
    if hint is None:
        return f"Exercise {exercise.number} has no hints yet."
    _, failing = hints.seen(target, exercise.stem)
    about = next((f", for {check}" for check in failing if hint.words and hint.fits(check)), "")
    text = f"Hint {hint.number} of {len(exercise.hints())} for exercise {exercise.number} ({exercise.title}){about}:\n\n{hint.text}\n"
    if not last:
        text += f"\n(run `nox -s hint -- {exercise.number}` again for the next one)"
    else:
        text += "\n(that was the last hint; the reference solution unlocks once your checks pass: `nox -s solution -- " + exercise.number + "`)"
    return text


def reveal(exercise: catalogue.Exercise, target: Path) -> tuple[bool, str]:
    """The reference solution once the exercise passes; before that, why not."""
    solution = catalogue.SOLUTIONS / f"{exercise.stem}.py"
    if not solution.is_file():
        return False, "The reference solutions are not included in this copy of the kata (your instructor withheld them)."
    state = status(exercise, target)
    if state != DONE:
        return False, (
            f"Exercise {exercise.number} is {state}: the reference solution unlocks once every check passes. "
            f"Run `nox -s check-{exercise.number}` to see what is left, or `nox -s hint -- {exercise.number}`."
        )
    return True, f"# The reference solution of exercise {exercise.number}, one of several good answers:\n\n" + solution.read_text(encoding="utf-8")


def pristine_stub(exercise: catalogue.Exercise, target: Path) -> str | None:
    """The stub as shipped: a student copy's kata/stubs/, else the newest untouched version in git history."""
    shipped = catalogue.ROOT / "kata" / "stubs" / f"{exercise.stem}.py"
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    path = target / f"{exercise.stem}.py"
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=target, capture_output=True, text=True, check=True).stdout.strip()
        relative = path.resolve().relative_to(Path(top).resolve()).as_posix()
        commits = subprocess.run(["git", "log", "--format=%H", "--", relative], cwd=top, capture_output=True, text=True, check=True).stdout.split()
        for commit in commits:
            shown = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=top, capture_output=True, text=True)
            if shown.returncode == 0 and is_untouched(shown.stdout):
                return shown.stdout
    except (OSError, ValueError, subprocess.CalledProcessError):
        pass
    return None


def reset(exercise: catalogue.Exercise, target: Path, yes: bool, ask=input) -> str:
    """Put the original stub back, keeping a backup of the learner's file."""
    path = target / f"{exercise.stem}.py"
    stub = pristine_stub(exercise, target)
    if stub is None:
        return f"Cannot find the original {path.name}: reset needs the kata's git history or its kata/stubs/ folder. Download the file again instead."
    if path.is_file() and path.read_text(encoding="utf-8") == stub:
        return f"{path.name} is already the original stub; nothing to do."
    if not yes:
        try:
            answer = ask(f"Replace {path} with the original stub? Your version is kept as a backup. [y/N] ")
        except (EOFError, KeyboardInterrupt):  # no terminal to answer from, or Ctrl-D / Ctrl-C
            return f"\nNo answer, so nothing changed. To reset without being asked: nox -s reset -- {exercise.number} --yes"
        if answer.strip().lower() not in ("y", "yes"):
            return "Nothing changed."
    backup = None
    if path.is_file():
        backups = state_dir(target) / "backups"
        backups.mkdir(parents=True, exist_ok=True)
        backup = backups / f"{exercise.stem}-{time.strftime('%Y%m%d-%H%M%S')}.py"
        shutil.copyfile(path, backup)
    path.write_text(stub, encoding="utf-8")
    return f"{path.name} is the original stub again." + (f" Your version is saved as {backup}." if backup else "")


def run_visible(exercise: catalogue.Exercise, target: Path, rows: int | None = None) -> bool:
    """Run one exercise's checks with their output on this terminal; True if all passed.

    With ``rows``, a longer output keeps its start (where the first failure is told) and its
    last lines (the summary and the hint), and says how many lines were left out between them.
    """
    command = [sys.executable, "-m", "pytest", "-q", "-rN", str(exercise.test_file), "--target", str(target)]
    if rows is None:
        if sys.stdout.isatty() and not console_supports_ansi():
            command.append("--color=no")  # a console that would show pytest's colours as escape codes
        return subprocess.run(command, cwd=catalogue.ROOT).returncode == 0
    command.append("--color=yes" if console_supports_ansi() else "--color=no")
    done = subprocess.run(command, cwd=catalogue.ROOT, capture_output=True, text=True, errors="replace")
    print(fitted(done.stdout + done.stderr, rows, exercise.number), end="", flush=True)
    return done.returncode == 0


#: Lines of the end of a run (the per-exercise line, the hint) that :func:`fitted` always keeps.
TAIL_LINES = 7


def fitted(output: str, rows: int, number: str) -> str:
    """``output`` cut to about ``rows`` lines: its start and its last :data:`TAIL_LINES` lines."""
    lines = output.splitlines(keepends=True)
    keep = max(rows - TAIL_LINES - 1, 5)
    if len(lines) <= keep + TAIL_LINES + 1:
        return output
    cut = len(lines) - keep - TAIL_LINES
    return "".join(lines[:keep]) + f"[… {cut} more lines: `nox -s check-{number}` shows them all …]\n" + "".join(lines[-TAIL_LINES:])


class Keys:
    """Single key presses from a terminal, without waiting for Enter and without blocking.

    POSIX terminals: ``termios`` cbreak mode and ``select``; Windows consoles: ``msvcrt``.
    Elsewhere (a pipe, an IDE's console) no key ever arrives and :meth:`wait` only sleeps.
    """

    def __init__(self, stream=None) -> None:
        self.stream = sys.stdin if stream is None else stream
        self.mode = None
        self._saved = None
        try:
            interactive = self.stream.isatty()
        except (AttributeError, ValueError, OSError):
            interactive = False
        if not interactive:
            return
        if os.name == "nt":
            try:
                import msvcrt  # noqa: F401

                self.mode = "msvcrt"
            except ImportError:
                pass
            return
        try:
            import termios
            import tty

            fd = self.stream.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
            self.mode = "termios"
        except (ImportError, OSError, ValueError):
            self._saved = None

    def wait(self, seconds: float) -> str:
        """Wait up to ``seconds`` for a key; the key pressed, or "" if none was."""
        if self.mode == "termios":
            import select

            ready, _, _ = select.select([self.stream], [], [], seconds)
            return os.read(self.stream.fileno(), 1).decode("utf-8", "replace") if ready else ""
        if self.mode == "msvcrt":
            import msvcrt

            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if msvcrt.kbhit():  # type: ignore[attr-defined]
                    return msvcrt.getwch()  # type: ignore[attr-defined]
                time.sleep(0.05)
            return ""
        time.sleep(seconds)
        return ""

    def close(self) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None


def watch(target: Path, interval: float = 0.5, clear: bool = True, cycles: int | None = None, keys: Keys | None = None) -> None:
    """Re-run the checks of the exercise being edited each time a file is saved; move on when it passes.

    Keys: h shows the next hint for the exercise being worked on, q stops watching.
    """
    exercises = catalogue.all_exercises()
    by_path = {target / f"{e.stem}.py": e for e in exercises}
    keys = Keys() if keys is None else keys
    controls = " (h: next hint, q: quit)" if keys.mode else " (Ctrl-C to stop)"

    def stamp(path: Path) -> float:
        return path.stat().st_mtime_ns if path.exists() else 0

    seen = {path: stamp(path) for path in by_path}
    current = next((e for e in exercises if status(e, target) != DONE), None)

    def announce(text: str) -> None:
        print(text + f"\nWatching for saved changes{controls} …", flush=True)

    announce(f"Working on exercise {current.number}: {target / (current.stem + '.py')}" if current else "Every exercise passes.")
    count = 0
    try:
        while cycles is None or count < cycles:
            count += 1
            key = keys.wait(interval).lower()
            if key == "q":
                print("Stopped watching.")
                return
            if key == "h":
                print(next_hint(current, target) if current else "Every exercise passes: there is no hint left to give.", flush=True)
                continue
            changed = [path for path in by_path if stamp(path) != seen[path]]
            for path in changed:
                seen[path] = stamp(path)
            if not changed:
                continue
            edited = by_path[changed[0]]
            if clear and console_supports_ansi():
                print(CLEAR, end="")
            elif clear:
                print()
            print(f"── {time.strftime('%H:%M:%S')} {edited.stem}.py saved: checking exercise {edited.number} ──", flush=True)
            rows = shutil.get_terminal_size().lines - 3 if clear and console_supports_ansi() else None
            if run_visible(edited, target, rows) if rows else run_visible(edited, target):
                current = next((e for e in exercises[exercises.index(edited) + 1:] + exercises if status(e, target) != DONE), None)
                announce(f"Exercise {edited.number} passes! Next: {target / (current.stem + '.py')}" if current else "Every exercise passes. Well done!")
            else:
                current = edited
                announce(f"Exercise {edited.number} is not there yet; edit and save to check again.")
    except KeyboardInterrupt:
        print("\nStopped watching.")
    finally:
        keys.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.learner", description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=None, help="folder with your exercise files (default: exercises/)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("progress", help="every exercise's state and what to do next")
    for name, text in [("hint", "the next hint for an exercise"), ("solution", "the reference solution, once you pass")]:
        commands.add_parser(name, help=text).add_argument("exercise")
    reset_parser = commands.add_parser("reset", help="restore an exercise's original stub (keeps a backup)")
    reset_parser.add_argument("exercise")
    reset_parser.add_argument("--yes", action="store_true", help="do not ask")
    watch_parser = commands.add_parser("watch", help="re-run checks whenever you save")
    watch_parser.add_argument("--interval", type=float, default=0.5)
    watch_parser.add_argument("--no-clear", action="store_true", help="do not clear the screen between runs")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # a legacy console code page shows "?" rather than crashing
    target = catalogue.resolve_target(args.target)
    exercise = None
    if getattr(args, "exercise", None):
        try:
            exercise = catalogue.find(args.exercise)
        except KeyError:
            numbers = [e.number for e in catalogue.all_exercises()]
            first, last = numbers[0], numbers[-1]
            print(f"There is no exercise {args.exercise}: the exercises are {first} to {last}, for example `nox -s {args.command} -- {first}`.")
            return 2
    if args.command == "progress":
        print(progress(target, marks_for(), tell=lambda text: print(text, file=sys.stderr, flush=True)))
    elif args.command == "hint":
        print(next_hint(exercise, target))
    elif args.command == "solution":
        shown, text = reveal(exercise, target)
        print(text)
        return 0 if shown else 1
    elif args.command == "reset":
        print(reset(exercise, target, args.yes))
    elif args.command == "watch":
        watch(target, args.interval, clear=not args.no_clear)
    return 0


if __name__ == "__main__":
    sys.exit(main())
