"""The kata's exercises in one table, where their files live, and how a target folder is chosen.

``CATALOGUE`` below is the one truth about the exercises, in learning-path order: the noxfile's
``check-NN`` sessions, the grader's weights, the checks' summary, the README's learning path
(``python -m kata.catalogue --markdown``) and the layout test all read it. Every exercise is one
stem (``ex03_join_all``) used by ``exercises/``, ``solutions/``, ``tests/test_<stem>.py``,
``hints/<stem>.md``, ``mutants/<stem>/`` and ``alternatives/<stem>/``.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from kata import settings

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"
TESTS = ROOT / "tests"
HINTS = ROOT / "hints"
MUTANTS = ROOT / "mutants"
ALTERNATIVES = ROOT / "alternatives"
#: In a student release: how many hidden checks the grader adds per exercise.
HIDDEN_MANIFEST = ROOT / "kata" / "hidden-checks.json"

#: Environment variable naming the folder the checks import exercise modules from.
TARGET_ENV = settings.TARGET_ENV

_STEM = re.compile(r"^ex(\d\d)_\w+$")


@dataclass(frozen=True)
class Exercise:
    """One exercise of the learning path."""

    number: str  # "03"
    stem: str  # "ex03_join_all"
    title: str  # "join all": how the summary, progress and the figures name it
    learns: str  # one line for the README's learning path: what the learner learns
    api: tuple[str, ...]  # the public names the stub and the solution define (the contract)
    weight: float = 10.0  # points in the grader, split evenly over the exercise's checks

    @property
    def stub_file(self) -> Path:
        return EXERCISES / f"{self.stem}.py"

    @property
    def solution_file(self) -> Path:
        return SOLUTIONS / f"{self.stem}.py"

    @property
    def test_file(self) -> Path:
        return TESTS / f"test_{self.stem}.py"

    @property
    def hidden_file(self) -> Path:
        """The checks only the grader runs (absent from a student release)."""
        return TESTS / "hidden" / f"test_{self.stem}_hidden.py"

    def hidden_count(self) -> int:
        """How many hidden checks the grader adds: counted in the file, or read from a release's manifest."""
        if self.hidden_file.is_file():
            tree = ast.parse(self.hidden_file.read_text(encoding="utf-8"))
            return sum(isinstance(n, ast.FunctionDef) and n.name.startswith("test_") for n in tree.body)
        try:
            return int(json.loads(HIDDEN_MANIFEST.read_text(encoding="utf-8")).get(self.stem, 0))
        except (OSError, ValueError):
            return 0

    @property
    def hint_file(self) -> Path:
        return HINTS / f"{self.stem}.md"

    def hints(self) -> list[str]:
        """The exercise's hints in order, each a paragraph of plain text."""
        return read_hints(self.hint_file)

    def mutants(self) -> list[Path]:
        """The known-buggy variants kept for this exercise."""
        return sorted((MUTANTS / self.stem).glob("*.py"))

    def alternatives(self) -> list[Path]:
        """Correct answers written differently from the reference solution."""
        return sorted((ALTERNATIVES / self.stem).glob("*.py"))


#: Every exercise, in learning-path order: 01–07 cover creating, joining, daemon threads, results
#: through a queue and locks; 08–16 go beyond. Adding an exercise starts with a row here.
CATALOGUE: tuple[Exercise, ...] = (
    Exercise("01", "ex01_start_thread", "start thread",
             "run a function in a new thread with `threading.Thread` and `start()`", ("start_in_thread",)),
    Exercise("02", "ex02_counting_thread", "counting thread",
             "subclass `Thread` and put the work in `run()`", ("CountingThread",)),
    Exercise("03", "ex03_join_all", "join all",
             "run tasks at the same time and wait for all of them with `join()`", ("run_all",)),
    Exercise("04", "ex04_heartbeat", "heartbeat",
             "a daemon thread that never blocks the program's exit", ("start_heartbeat",)),
    Exercise("05", "ex05_queued_result", "queued result",
             "bring results and exceptions back through a `queue.Queue`, with a timeout", ("call_in_thread", "parallel_map")),
    Exercise("06", "ex06_atomic_counter", "atomic counter",
             "guard a read-modify-write with a `Lock`", ("Counter",)),
    Exercise("07", "ex07_safe_cache", "safe cache",
             "a lock-safe cache: consistent snapshots, compute-once per key", ("SafeCache",)),
    Exercise("08", "ex08_worker_pool", "worker pool",
             "a fixed pool of worker threads fed by a queue, shut down cleanly", ("WorkerPool",)),
    Exercise("09", "ex09_bounded_buffer", "bounded buffer",
             "producers and consumers on a `Condition`, with `close()`", ("BoundedBuffer", "Closed")),
    Exercise("10", "ex10_periodic_worker", "periodic worker",
             "a periodic task that stops at once: wait on an `Event`, not `sleep`", ("PeriodicWorker",)),
    Exercise("11", "ex11_bank_transfer", "bank transfer",
             "two locks without deadlock: a global lock order", ("Account", "InsufficientFunds", "transfer")),
    Exercise("12", "ex12_limited_map", "limited map",
             "at most N calls at once with a `Semaphore`", ("map_limited",)),
    Exercise("13", "ex13_per_thread", "per thread",
             "one object per thread with `threading.local`", ("PerThread",)),
    Exercise("14", "ex14_rw_lock", "rw lock",
             "a read-write lock whose writers are not starved", ("ReadWriteLock",)),
    Exercise("15", "ex15_fetch_all", "fetch all",
             "IO-bound work on a `ThreadPoolExecutor`", ("fetch_all",)),
    Exercise("16", "ex16_memoizer", "memoizer",
             "compute each key once, different keys in parallel, errors not cached", ("Memoizer",)),
)


def all_exercises() -> list[Exercise]:
    """Every exercise of the catalogue, in learning-path order."""
    return list(CATALOGUE)


#: The heading of the README's learning path, which ``learning_path()`` writes the table under.
LEARNING_PATH_HEADING = "### The learning path"


def learning_path() -> str:
    """The README's learning-path table, one row per exercise, from the catalogue."""
    rows = ["| # | exercise | you learn |", "|---|---|---|"]
    rows += [f"| {e.number} | `{e.stem}` | {e.learns} |" for e in all_exercises()]
    return "\n".join(rows) + "\n"


def find(key: str) -> Exercise:
    """The exercise named by its number (``3``, ``03``) or stem; ``KeyError`` otherwise."""
    key = key.strip()
    for exercise in all_exercises():
        if key in (exercise.stem, exercise.number) or (key.isdigit() and int(key) == int(exercise.number)):
            return exercise
    raise KeyError(key)


def stem_of(test_module_name: str) -> str | None:
    """``test_ex03_join_all`` (or ``…_hidden``) -> ``ex03_join_all``; ``None`` for other modules."""
    name = test_module_name.rsplit(".", 1)[-1].removesuffix("_hidden")
    if name.startswith("test_") and _STEM.match(name[len("test_") :]):
        return name[len("test_") :]
    return None


def read_hints(path: Path) -> list[str]:
    """Split a hint file into hints: each ``## Hint N`` heading starts one."""
    if not path.is_file():
        return []
    hints: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            hints.append([])
        elif hints:
            hints[-1].append(line)
    return ["\n".join(lines).strip() for lines in hints if "".join(lines).strip()]


def resolve_target(option: str | None, cwd: Path | None = None) -> Path:
    """The folder to import exercise modules from: the option, else $THREADKATA_TARGET, else exercises/."""
    chosen = option or settings.text(TARGET_ENV)
    if not chosen:
        return EXERCISES
    path = Path(chosen).expanduser()
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    return path.resolve()


def main(argv: list[str] | None = None) -> int:
    """``python -m kata.catalogue --markdown`` prints the README's learning-path table."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["--markdown"]:
        print("usage: python -m kata.catalogue --markdown   (prints the README's learning-path table)", file=sys.stderr)
        return 2
    sys.stdout.write(learning_path())
    return 0


if __name__ == "__main__":
    sys.exit(main())
