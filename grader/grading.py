"""Turn submission folders into scores: find each exercise file, run its checks, score them.

Each (submission, exercise) runs in a child process of its own: a scratch copy of the file and
of the checks, its own process group, a wall-clock limit, CPU, memory and file-size limits, and
the whole group killed at the end. A check scores only when the child reported it passed; the
grader collects the expected checks itself, without learner code, so a run that exits early,
crashes or forges nothing-at-all scores every unreported check as not passed.

Before any learner code runs, each exercise file is taken in (:func:`intake`): a regular file,
never a link, at most :data:`MAX_FILE_BYTES`, read once and written into the run's own folder.
The checks come from a read-only snapshot of the kata taken when grading starts. Whatever goes
wrong with one (submission, exercise) inside the grader becomes that pair's ``error`` result with
the reason; it never ends the run.

Before it runs, each file is screened (:mod:`grader.screen`), and each run's tripwires report what
changed in the test machinery (:mod:`kata.runner.report_plugin`): both give an exercise's
``flags``, reasons for an instructor to look. ``Settings.on_flag`` says what a flag costs:
``keep`` (the default) keeps the score and marks it for review, ``zero`` scores it 0.

A hidden check's learner-visible text is built here, from the grader's own reading of the hidden
check file (:func:`hidden_behaviours`): its name and the first line of its docstring, never
anything its run reported, which learner code could have written.
"""

from __future__ import annotations

import ast
import base64
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from grader import screen
from kata import catalogue, messages
from kata.messages import Status
from kata.runner import (
    HIDDEN,
    PUBLIC,
    Limits,
    Run,
    check_name,
    collect_expected,
    expected_checks,
    run_checks,
    warm_up,
)
from kata.runner.files import remove_tree, snapshot

#: Seconds one exercise's checks may take before the run is killed.
DEFAULT_TIMEOUT = 60.0

#: Default limits for one exercise's run. Address space also caps how many threads can start.
DEFAULT_LIMITS = Limits(cpu_seconds=120, memory_bytes=4 * 2**30, file_bytes=64 * 2**20)

#: The largest exercise file taken in; a larger one is refused, not run (the largest solution is a few KiB).
MAX_FILE_BYTES = 1 * 2**20

#: The name of the one result an exercise gets when it could not be graded at all.
GRADING = "grading"

#: Why an exercise file is refused at intake.
LINK_REFUSED = "{file} is a link (to {where}), not a file; links are not graded. Submit the file itself."
NOT_REGULAR = "{file} is not a regular file; only regular files are graded."
TOO_LARGE = "{file} is {size} bytes; the grader takes files of at most {limit} bytes."
UNREADABLE = "{file} could not be read ({why})."
#: What an exercise's result says when the grader itself failed on it.
GRADER_FAILED = "The grader could not grade this exercise ({why}); this is not a judgement of the code. Tell your instructor."

#: What a flagged exercise's score does: ``keep`` it and mark it for review, or make it ``zero``.
ON_FLAG = ("keep", "zero")
#: The line a learner's feedback gets for a flagged exercise.
FLAGGED = "Flagged for review by your instructor: {reasons}"


@dataclass
class CheckResult:
    name: str
    status: Status
    message: str = ""
    hidden: bool = False
    detail: str = ""  # for a hidden check: the full message, for the instructor only


@dataclass
class ExerciseResult:
    id: str
    stem: str
    status: Status
    score: float
    max_score: float
    tests: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    flags: list[str] = field(default_factory=list)  # reasons to review this exercise (grader.screen, the tripwires); empty when clean


@dataclass
class SubmissionResult:
    submission: str
    score: float
    max_score: float
    exercises: list[ExerciseResult]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SubmissionResult:
        exercises = [
            ExerciseResult(**{**e, "status": Status(e["status"]), "tests": [CheckResult(**{**t, "status": Status(t["status"])}) for t in e["tests"]]})
            for e in data["exercises"]
        ]
        return cls(data["submission"], data["score"], data["max_score"], exercises)


@dataclass(frozen=True)
class Settings:
    timeout: float = DEFAULT_TIMEOUT
    limits: Limits = DEFAULT_LIMITS
    hidden: bool = True
    python: str = sys.executable  # the interpreter the runs use
    checks: Path | None = None  # a snapshot to copy the checks from (see grade_many); the live kata when None
    on_flag: str = "keep"  # one of ON_FLAG


class Refused(Exception):
    """An exercise file the grader will not take in; carries the learner-facing reason."""


def intake(path: Path, submission: Path) -> bytes:
    """The bytes of exercise file ``path`` (inside ``submission``), read without following any link.

    Refuses (:class:`Refused`) a link anywhere between ``submission`` and the file, anything but a
    regular file, and a file over :data:`MAX_FILE_BYTES`.
    """
    shown = path.relative_to(submission).as_posix()
    here = submission
    for part in path.relative_to(submission).parts:
        here = here / part
        if here.is_symlink():
            raise Refused(LINK_REFUSED.format(file=shown, where=clean_text(os.readlink(here))))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as why:
        raise Refused(UNREADABLE.format(file=shown, why=clean_text(why.strerror or str(why)))) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(NOT_REGULAR.format(file=shown))
        if info.st_size > MAX_FILE_BYTES:
            raise Refused(TOO_LARGE.format(file=shown, size=info.st_size, limit=MAX_FILE_BYTES))
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise Refused(TOO_LARGE.format(file=shown, size=f"more than {MAX_FILE_BYTES}", limit=MAX_FILE_BYTES))
        return b"".join(chunks)
    except OSError as why:
        raise Refused(UNREADABLE.format(file=shown, why=clean_text(why.strerror or str(why)))) from None
    finally:
        os.close(fd)


def clean_text(text: object) -> str:
    """``text`` as every writer can hold it: lone surrogates and NUL bytes escaped (``\\udcff``, ``\\x00``)."""
    text = str(text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def display_name(folder: Path) -> str:
    """A submission folder's name as text: bytes that are not UTF-8 escaped (``\\xff``)."""
    return clean_text(os.fsencode(folder.name).decode("utf-8", "backslashreplace"))


def weight(exercise: catalogue.Exercise) -> float:
    """The exercise's points: its row's weight in the catalogue, the one place to change them."""
    return exercise.weight


def find_file(submission: Path, exercise: catalogue.Exercise) -> Path | None:
    """The submission's file for ``exercise``: directly inside, or under ``exercises/``.

    A link there is found too (and refused at intake, with a message), never followed.
    """
    for candidate in (submission / f"{exercise.stem}.py", submission / "exercises" / f"{exercise.stem}.py"):
        if candidate.is_symlink() or candidate.is_file():
            return candidate
    return None


def failed_exercise(exercise: catalogue.Exercise, message: str) -> ExerciseResult:
    """The ``error`` result of an exercise that could not be graded, with the reason as its one result."""
    return ExerciseResult(exercise.number, exercise.stem, Status.ERROR, 0.0, weight(exercise), [CheckResult(GRADING, Status.ERROR, clean_text(message))])


def grade_exercise(submission: Path, exercise: catalogue.Exercise, settings: Settings = Settings()) -> ExerciseResult:
    """Run one exercise's checks on a private copy of the submission's file; never raises.

    Public and hidden checks run in separate children: the public run's folder holds no hidden
    check, so nothing the submission prints or raises there can carry one out, and the hidden
    run's messages are reduced to the behaviour that failed. A file refused at intake, or any
    failure of the grader's own (copying, running, reading, scoring), is an ``error`` result.
    """
    try:
        return _grade_exercise(submission, exercise, settings)
    except Refused as refused:
        return failed_exercise(exercise, str(refused))
    except Exception as why:  # noqa: BLE001 - one pair's failure must not cost the others their results
        return failed_exercise(exercise, GRADER_FAILED.format(why=f"{type(why).__name__}: {why}"))


def _grade_exercise(submission: Path, exercise: catalogue.Exercise, settings: Settings) -> ExerciseResult:
    max_score = weight(exercise)
    source = find_file(submission, exercise)
    if source is None:
        return ExerciseResult(exercise.number, exercise.stem, Status.MISSING, 0.0, max_score)
    content = intake(source, submission)
    flags = screen.screen(content, clean_text(source.relative_to(submission).as_posix()), exercise.stem)
    parts = [PUBLIC] + ([HIDDEN] if settings.hidden and exercise.hidden_file.is_file() else [])
    tests: list[CheckResult] = []
    timed_out, seconds = False, 0.0
    scratch = Path(tempfile.mkdtemp(prefix="threadkata-grade-"))
    try:  # not TemporaryDirectory: learner code writes in here, and its clean-up recurses
        for which in parts:
            target = scratch / which
            target.mkdir()
            (target / f"{exercise.stem}.py").write_bytes(content)
            run = run_checks(
                exercise,
                target,
                timeout=settings.timeout,
                which=which,
                limits=settings.limits,
                python=settings.python,
                checks_from=settings.checks,
                isolate=True,
            )
            tests += score_checks(run, expected_checks(exercise, which), hidden_secrets(exercise), hidden_behaviours(exercise))
            flags += [clean_text(f"{'hidden' if which == HIDDEN else 'public'} checks' run: {flag}") for flag in run.flags]
            if run.tampered:
                flags.append(clean_text(f"{'hidden' if which == HIDDEN else 'public'} checks' run: {run.tampered}"))
            timed_out, seconds = timed_out or run.timed_out, seconds + run.seconds
    finally:
        remove_tree(scratch)
    result = finish(exercise, tests, max_score, timed_out, seconds)
    result.flags = flags
    if flags and settings.on_flag == "zero":
        result.score = 0.0
    return result


@lru_cache(maxsize=None)
def hidden_behaviours(exercise: catalogue.Exercise) -> dict[str, str]:
    """Each hidden check's behaviour, by name, read from the grader's own copy of the hidden file:
    the first line of its docstring, or its name in words. The only text a learner sees of a hidden check."""
    if not exercise.hidden_file.is_file():
        return {}
    found = {}
    for node in ast.parse(exercise.hidden_file.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
            doc = (ast.get_docstring(node) or "").strip()
            found[node.name] = (doc.splitlines()[0] if doc else node.name.removeprefix("test_").replace("_", " ")).rstrip(".")
    return found


@lru_cache(maxsize=None)
def hidden_secrets(exercise: catalogue.Exercise) -> tuple[str, ...]:
    """Text that would give a hidden check away: its function names and its longer source lines."""
    if not exercise.hidden_file.is_file():
        return ()
    source = exercise.hidden_file.read_text(encoding="utf-8")
    names = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    lines = [line.strip() for line in source.splitlines() if len(line.strip()) >= 30 and not line.strip().startswith(("#", '"""', "from ", "import "))]
    return tuple(names + lines)


#: A run of text that may be base64 or hex of something longer than a check's name.
ENCODED = re.compile(r"[A-Za-z0-9+/=_-]{24,}")


def quotes_hidden(message: str, secrets: tuple[str, ...]) -> bool:
    """Whether ``message`` holds one of ``secrets`` as it is, reversed, or inside a base64 or hex run.

    A public check's message comes from learner code, which may have read the hidden checks; this
    catches the plain and the easy encodings, not every cipher (see the README's threat model).
    """
    if not secrets:
        return False
    texts = [message, message[::-1]]
    for run in ENCODED.findall(message):
        for decode in (lambda r: base64.b64decode(r + "=" * (-len(r) % 4), altchars=b"-_" if "-" in r or "_" in r else None), bytes.fromhex):
            try:
                decoded = decode(run).decode("utf-8", "ignore")
            except ValueError:
                continue
            texts += [decoded, decoded[::-1]]
    return any(secret in text for text in texts for secret in secrets)


def score_checks(run: Run, expected: tuple[str, ...], secrets: tuple[str, ...] = (), behaviours: dict[str, str] | None = None) -> list[CheckResult]:
    """One result per expected check; a check the run never reported did not pass.

    A hidden check's learner-visible message is built from ``behaviours`` (the grader's reading of
    the hidden file, :func:`hidden_behaviours`) and its status alone; what its run reported is kept
    as ``detail``, for the instructor.
    """
    behaviours = behaviours or {}
    if run.timed_out:
        unreported, why = Status.TIMEOUT, f"the exercise's checks were stopped after {run.seconds:.0f} s"
    else:
        unreported, why = Status.ERROR, f"the check process exited with code {run.returncode}"
    if run.tampered:
        return [CheckResult(check_name(n), Status.ERROR, messages.TAMPERED.format(why=run.tampered), "/hidden/" in n) for n in expected]
    tests = []
    for nodeid in expected:
        record = run.tests.get(nodeid)
        hidden = "/hidden/" in nodeid
        if record is None:
            detail = clean_text("\n".join(run.collect_errors)[-2000:])
            tests.append(CheckResult(check_name(nodeid), unreported, messages.CHECK_NOT_RUN.format(why=why), hidden, detail))
            continue
        status = record.outcome if record.outcome in (Status.PASSED, Status.ERROR) else Status.FAILED  # a skipped check does not score
        message = clean_text(record.message)
        if quotes_hidden(message, secrets):
            message = messages.WITHHELD
        if hidden and status != Status.PASSED:
            behaviour = behaviours.get(check_name(nodeid), check_name(nodeid).removeprefix("test_").replace("_", " "))
            tests.append(CheckResult(check_name(nodeid), status, messages.HIDDEN_FAILED.format(behaviour=behaviour), True, clean_text(record.message)))
        else:
            tests.append(CheckResult(check_name(nodeid), status, message, hidden))
    return tests


def finish(exercise: catalogue.Exercise, tests: list[CheckResult], max_score: float, timed_out: bool, seconds: float) -> ExerciseResult:
    """The exercise's status and score from its checks' results."""
    passed = sum(t.status == Status.PASSED for t in tests)
    if tests and passed == len(tests):
        status = Status.PASSED
    elif timed_out:
        status = Status.TIMEOUT
    elif not tests or all(t.status == Status.ERROR for t in tests):
        status = Status.ERROR
    else:
        status = Status.FAILED
    score = round(max_score * passed / len(tests), 2) if tests else 0.0
    return ExerciseResult(exercise.number, exercise.stem, status, score, max_score, tests, round(seconds, 2))


def summarise(name: str, results: list[ExerciseResult]) -> SubmissionResult:
    return SubmissionResult(
        submission=name,
        score=round(sum(r.score for r in results), 2),
        max_score=sum(r.max_score for r in results),
        exercises=results,
    )


def grade_submission(submission: Path, exercises: list[catalogue.Exercise], settings: Settings = Settings()) -> SubmissionResult:
    return summarise(display_name(submission), [grade_exercise(submission, e, settings) for e in exercises])


def told_apart(names: Iterable[str]) -> list[str]:
    """The names, a repeated one numbered (``bob``, ``bob-2``), even where systems ignore case."""
    unique: list[str] = []
    taken: set[str] = set()
    for base in names:
        name, count = base, 1
        while name.casefold() in taken:
            count += 1
            name = f"{base}-{count}"
        taken.add(name.casefold())
        unique.append(name)
    return unique


def exercise_columns(results: list[SubmissionResult]) -> list[tuple[str, str]]:
    """Every exercise (id, stem) any result holds, in first-seen order: the reports' columns."""
    seen: dict[str, str] = {}
    for result in results:
        for exercise in result.exercises:
            seen.setdefault(exercise.id, exercise.stem)
    return list(seen.items())


def submission_names(submissions: list[Path]) -> list[str]:
    """Each folder's :func:`display_name`, told apart when two are the same (``bob``, ``bob-2``)."""
    return told_apart(display_name(folder) for folder in submissions)


#: The longest file or folder name the writers make for a submission, in UTF-8 bytes (filesystems allow 255).
MAX_NAME_BYTES = 100


def safe_file_name(name: str) -> str:
    """``name`` as one file-name component on every system: letters, digits and ``-_.+@,`` kept
    (any other character, ``/`` and NUL among them, becomes ``_``), no leading dot, at most
    :data:`MAX_NAME_BYTES` bytes; never empty."""
    kept = "".join(c if (c.isalnum() and c.isprintable()) or c in "-_.+@," else "_" for c in clean_text(name))
    bare = kept.lstrip(".")
    kept = "_" * (len(kept) - len(bare)) + bare  # no hidden file, no "." or ".."
    while len(kept.encode("utf-8")) > MAX_NAME_BYTES - 8:  # room for "-N" and an extension
        kept = kept[:-1]
    return kept.rstrip(" .") or "submission"


def file_names(results: list[SubmissionResult]) -> list[str]:
    """A :func:`safe_file_name` per result, unique even where systems ignore case (``bob``, ``bob-2``)."""
    return told_apart(safe_file_name(result.submission) for result in results)


def shard(submissions: list[Path], index: int, count: int) -> list[Path]:
    """The ``index``-th of ``count`` deterministic slices (1-based), by sorted folder name."""
    ordered = sorted(submissions, key=lambda p: (p.name, str(p)))
    return [p for i, p in enumerate(ordered) if i % count == index - 1]


def grade_many(
    submissions: list[Path],
    exercises: list[catalogue.Exercise],
    settings: Settings = Settings(),
    jobs: int = 1,
    progress: Callable[[int, int, float], None] | None = None,
    finished: Callable[[list[SubmissionResult]], None] | None = None,
) -> list[SubmissionResult]:
    """Grade every (submission, exercise) pair on ``jobs`` child processes at once; results in submission order.

    The checks are copied once into a read-only snapshot the runs copy from. Two folders with the
    same name are told apart (:func:`submission_names`). After each submission is done,
    ``finished`` gets every finished submission's result so far (in submission order), so a
    caller can keep a file current.
    """
    warm_up(jobs, settings.python)  # every slot's server starts now, beside the collection run
    collect_expected(exercises, [PUBLIC, HIDDEN] if settings.hidden else [PUBLIC])  # all in one run
    for exercise in exercises:  # collect the expected checks once, before the pool starts
        expected_checks(exercise, PUBLIC)
        if settings.hidden:
            expected_checks(exercise, HIDDEN)
    names = submission_names(submissions)
    started = time.monotonic()
    done: list[list[ExerciseResult | None]] = [[None] * len(exercises) for _ in submissions]
    complete: dict[int, SubmissionResult] = {}
    private = Path(tempfile.mkdtemp(prefix="threadkata-checks-"))
    try:
        if settings.checks is None:
            settings = replace(settings, checks=snapshot(private / "kata", exercises))
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            futures = {pool.submit(grade_exercise, s, e, settings): (n, i) for n, s in enumerate(submissions) for i, e in enumerate(exercises)}
            for future in as_completed(futures):
                number, index = futures[future]
                try:
                    done[number][index] = future.result()
                except Exception as why:  # noqa: BLE001 - grade_exercise does not raise; if it ever does, only this pair is lost
                    done[number][index] = failed_exercise(exercises[index], GRADER_FAILED.format(why=f"{type(why).__name__}: {why}"))
                if all(r is not None for r in done[number]):
                    complete[number] = summarise(names[number], done[number])  # type: ignore[arg-type]
                    if progress:
                        progress(len(complete), len(submissions), time.monotonic() - started)
                    if finished:
                        finished([complete[n] for n in sorted(complete)])
    finally:
        remove_tree(private)
    return [complete[n] for n in range(len(submissions))]


def print_progress(done: int, total: int, elapsed: float) -> None:
    """``graded 12/100 submissions, about 3 m 10 s left`` on stderr (one updating line on a terminal)."""
    left = elapsed / done * (total - done) if done else 0
    text = f"graded {done}/{total} submissions, about {int(left // 60)} m {int(left % 60)} s left"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + text + ("\n" if done == total else ""))
    else:
        sys.stderr.write(text + "\n")
    sys.stderr.flush()
