"""Concurrency mutation testing: what bugs would the checks let through that nobody thought of?

    python -m kata.maint.mutation [NN ...] [--jobs J] [--list] [--show-survivors]

Each operator below is one classic threading mistake, applied as an AST rewrite at *every* site
where it fits in every reference solution and every alternative (cargo-mutants' idea: a mutant
is an operator at a span of the original, re-derived whenever the original changes, never a
copy kept by hand). Every mutant runs through its exercise's public checks once, exactly as a
learner's file would. It is *killed* when a check fails, *equivalent* when a reviewed line in
``mutants/<stem>/EQUIVALENT.txt`` says why that rewrite still behaves correctly, and *survived*
otherwise: a survivor is a bug the checks can pass, so a check is missing.

The operators follow the concurrency mutation operators of Bradbury, Cordy and Dingel (ConMAn,
2006), carried over to Python's threading idioms. The run ends with one line

    mutation: G generated, K killed, E equivalent, S survived

and exits 1 when S > 0 (or when an equivalence line names no mutant any more: a stale excuse).
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import hashlib
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kata import catalogue
from kata.runner import Run, run_checks

#: Seconds one mutant's check run may take before it counts as killed by a hang (checks bound
#: their own waits, so a hung mutant fails well before this).
RUN_TIMEOUT = 90.0

#: The file, beside an exercise's hand-written mutants, that lists reviewed equivalent mutants:
#: one per line, ``<mutant id>  # <why it still behaves correctly>``.
EQUIVALENT_FILE = "EQUIVALENT.txt"


# --------------------------------------------------------------------------- sites and edits


@dataclass(frozen=True)
class Site:
    """Where an operator applies: the node's index in ``ast.walk`` order, and what it does there."""

    index: int
    line: int
    what: str  # "unwrap `with self._lock:`"
    apply: Callable[[ast.AST, dict[ast.AST, ast.AST]], None]  # edits the copy's node in place


def parents_of(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def replace(node: ast.AST, parents: dict[ast.AST, ast.AST], new: ast.AST | list[ast.stmt]) -> None:
    """Put ``new`` (a node, or statements spliced into a body) where ``node`` is."""
    parent = parents[node]
    for name, value in ast.iter_fields(parent):
        if isinstance(value, list) and node in value:
            at = value.index(node)
            value[at : at + 1] = new if isinstance(new, list) else [new]
            if not value and name in ("body", "finalbody"):
                value.append(ast.Pass())  # a block cannot be empty
            return
        if value is node:
            setattr(parent, name, new)
            return
    raise ValueError("node not found under its parent")


def src(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "…"


def call_name(node: ast.AST) -> str | None:
    """``x.notify_all()`` -> ``notify_all``; ``Lock()`` -> ``Lock``."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
        if isinstance(node.func, ast.Name):
            return node.func.id
    return None


def calls_in(nodes: list[ast.stmt], names: set[str]) -> bool:
    return any(call_name(n) in names for stmt in nodes for n in ast.walk(stmt))


def module_call(module: str, function: str, args: list[ast.expr]) -> ast.Call:
    """``__import__('time').sleep(…)``: works whatever the file imported, and under any name."""
    imported = ast.Call(ast.Name("__import__", ast.Load()), [ast.Constant(module)], [])
    return ast.Call(ast.Attribute(imported, function, ast.Load()), args, [])


def is_lock_with(node: ast.AST) -> bool:
    """A ``with`` whose items look like locks or conditions: not ``open(…)``, not a call that makes a context."""
    if not isinstance(node, (ast.With, ast.AsyncWith)):
        return False
    for item in node.items:
        expr = item.context_expr
        if isinstance(expr, ast.Call):
            name = call_name(expr) or ""
            if name not in ("read", "write", "read_lock", "write_lock", "reading", "writing"):
                return False
        elif not isinstance(expr, (ast.Name, ast.Attribute, ast.Subscript)):
            return False
    return True


def enclosing_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node
    return None


def inside_loop(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.While, ast.For)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


# --------------------------------------------------------------------------- the operators

Operator = Callable[[ast.AST, dict[ast.AST, ast.AST]], Iterator[tuple[ast.AST, str, Callable[[ast.AST, dict], None]]]]
OPERATORS: dict[str, Operator] = {}


def operator(name: str) -> Callable[[Operator], Operator]:
    def register(function: Operator) -> Operator:
        OPERATORS[name] = function
        return function

    return register


@operator("remove_lock")
def remove_lock(tree, parents):
    """Unwrap a ``with lock:`` (its body runs unguarded), or drop an acquire()/release() pair."""
    for node in ast.walk(tree):
        if is_lock_with(node):
            yield node, f"unwrap `with {src(node.items[0].context_expr)}:`", lambda n, p: replace(n, p, n.body)
        if isinstance(node, ast.Expr) and call_name(node.value) == "acquire" and isinstance(node.value.func, ast.Attribute):
            lock = ast.unparse(node.value.func.value)
            yield node, f"drop `{src(node)}` and the release() after it", lambda n, p, lock=lock: drop_pair(n, p, lock)


def releases_of(lock: str, statements: list[ast.stmt]) -> list[ast.Expr]:
    return [
        n for stmt in statements for n in ast.walk(stmt)
        if isinstance(n, ast.Expr) and call_name(n.value) == "release"
        and isinstance(n.value.func, ast.Attribute) and ast.unparse(n.value.func.value) == lock
    ]  # fmt: skip


def drop_pair(acquire: ast.Expr, parents: dict[ast.AST, ast.AST], lock: str) -> None:
    """Drop ``lock.acquire()`` and every ``lock.release()`` in the statements after it."""
    body = next(v for _, v in ast.iter_fields(parents[acquire]) if isinstance(v, list) and acquire in v)
    later = body[body.index(acquire) + 1 :]
    found = releases_of(lock, later)
    if not found:
        raise ValueError("no release() after the acquire()")
    for release in found:
        replace(release, parents, ast.Pass())
    replace(acquire, parents, ast.Pass())


@operator("shrink_critical_section")
def shrink_critical_section(tree, parents):
    """Move the first or the last statement of a ``with lock:`` block out of it."""
    for node in ast.walk(tree):
        if is_lock_with(node) and len(node.body) >= 2:
            def first_out(n, p):
                first = n.body.pop(0)
                replace(n, p, [first, n])

            def last_out(n, p):
                last = n.body.pop()
                replace(n, p, [n, last])

            yield node, f"move `{src(node.body[0])}` before `with {src(node.items[0].context_expr)}:`", first_out
            yield node, f"move `{src(node.body[-1])}` after `with {src(node.items[0].context_expr)}:`", last_out


@operator("split_critical_section")
def split_critical_section(tree, parents):
    """Release and take the lock again between two statements of one critical section."""
    for node in ast.walk(tree):
        if is_lock_with(node) and len(node.body) >= 2:
            for cut in range(1, len(node.body)):
                def split(n, p, cut=cut):
                    second = copy.copy(n)
                    second.body = n.body[cut:]
                    n.body = n.body[:cut]
                    replace(n, p, [n, second])

                yield node, f"release `{src(node.items[0].context_expr)}` before `{src(node.body[cut])}`", split


@operator("new_lock_per_call")
def new_lock_per_call(tree, parents):
    """``with self._lock:`` becomes ``with threading.Lock():`` — a fresh lock nobody else holds."""
    for node in ast.walk(tree):
        if is_lock_with(node) and not isinstance(node.items[0].context_expr, ast.Call):
            def fresh(n, p):
                n.items[0].context_expr = module_call("threading", "RLock", [])

            yield node, f"`with {src(node.items[0].context_expr)}:` takes a new lock each time", fresh


@operator("notify_all_to_notify")
def notify_all_to_notify(tree, parents):
    """``notify_all()`` wakes one waiter only."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("notify_all", "notifyAll"):
            def one(n, p):
                n.func.attr = "notify"

            yield node, f"`{src(node)}` becomes notify()", one


@operator("drop_wakeup")
def drop_wakeup(tree, parents):
    """Drop a ``notify()``, ``notify_all()`` or ``Event.set()``: a waiter is never woken."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and call_name(node.value) in ("notify", "notify_all", "set") and isinstance(node.value.func, ast.Attribute):
            if call_name(node.value) == "set" and node.value.args:
                continue  # a setter with arguments (cache.set(k, v)) is not a wakeup
            yield node, f"drop `{src(node)}`", lambda n, p: replace(n, p, ast.Pass())


@operator("while_to_if")
def while_to_if(tree, parents):
    """``while not ready: cond.wait()`` becomes ``if``: a wakeup is not checked again."""
    for node in ast.walk(tree):
        if isinstance(node, ast.While) and not node.orelse and calls_in(node.body, {"wait"}):
            def to_if(n, p):
                replace(n, p, ast.If(n.test, n.body, []))

            yield node, f"`while {src(node.test)}:` around a wait becomes `if`", to_if


@operator("weaken_join")
def weaken_join(tree, parents):
    """Drop a ``join()``, give it a timeout, or replace it with a short sleep."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and call_name(node.value) == "join"
            and isinstance(node.value.func, ast.Attribute)
            and not node.value.args
            and not node.value.keywords
        ):
            if isinstance(node.value.func.value, ast.Constant):
                continue  # "".join(...) is not a thread's join
            yield node, f"drop `{src(node)}`", lambda n, p: replace(n, p, ast.Pass())

            def timeout(n, p):
                n.value.args = [ast.Constant(0.05)]

            yield node, f"`{src(node)}` with a 0.05 s timeout", timeout

            def sleep(n, p):
                n.value = module_call("time", "sleep", [ast.Constant(0.01)])

            yield node, f"`{src(node)}` replaced by a 0.01 s sleep", sleep


@operator("start_to_run")
def start_to_run(tree, parents):
    """``thread.start()`` becomes ``thread.run()``: the work runs in the caller's thread."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "start" and isinstance(node.func, ast.Attribute) and not node.args:
            def run(n, p):
                n.func.attr = "run"

            yield node, f"`{src(node)}` becomes run()", run


@operator("flip_daemon")
def flip_daemon(tree, parents):
    """``daemon=True`` becomes ``False`` and the other way round."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "daemon" and isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool):
            def flip(n, p):
                n.value = ast.Constant(not n.value.value)

            yield node, f"daemon={node.value.value} becomes {not node.value.value}", flip
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Attribute) and t.attr == "daemon" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            def flip_assign(n, p):
                n.value = ast.Constant(not n.value.value)

            yield node, f"`{src(node)}` flipped", flip_assign


@operator("swap_nested_locks")
def swap_nested_locks(tree, parents):
    """Take two nested locks in the other order."""
    for node in ast.walk(tree):
        if is_lock_with(node) and len(node.items) >= 2:
            def swap_items(n, p):
                n.items[0], n.items[1] = n.items[1], n.items[0]

            yield node, f"`with {src(node.items[0].context_expr)}, {src(node.items[1].context_expr)}:` swapped", swap_items
        elif is_lock_with(node) and len(node.body) == 1 and is_lock_with(node.body[0]):
            def swap_nested(n, p):
                inner = n.body[0]
                n.items, inner.items = inner.items, n.items

            yield node, f"`with {src(node.items[0].context_expr)}:` and the `with` inside it swapped", swap_nested


@operator("wait_to_sleep")
def wait_to_sleep(tree, parents):
    """``event.wait(t)`` / ``cond.wait(t)`` becomes ``time.sleep(t)``: nobody can wake it early."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "wait" and isinstance(node.func, ast.Attribute):
            timeout = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "timeout"), None)
            if timeout is None or (isinstance(timeout, ast.Constant) and timeout.value is None):
                continue

            def sleep(n, p, timeout=timeout):
                replace(n, p, ast.BoolOp(ast.Or(), [module_call("time", "sleep", [timeout]), ast.Constant(False)]))

            yield node, f"`{src(node)}` becomes a sleep", sleep


@operator("drop_finally")
def drop_finally(tree, parents):
    """``try: … finally: release`` loses its ``finally``: the clean-up runs on the success path only.

    A ``return`` inside the ``try`` still cleans up first (its value is computed, then the
    clean-up runs, then it returns), so only an exception skips the clean-up.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and node.finalbody and not node.handlers:
            yield node, f"the `finally` at line {node.lineno} runs on success only", success_only


def success_only(node: ast.Try, parents: dict[ast.AST, ast.AST]) -> None:
    def returning(statement: ast.Return) -> list[ast.stmt]:
        keep = ast.Assign([ast.Name("_kata_result", ast.Store())], statement.value or ast.Constant(None))
        return [keep, *copy.deepcopy(node.finalbody), ast.Return(ast.Name("_kata_result", ast.Load()))]

    body = ast.Module(node.body, [])
    inner = parents_of(body)
    for statement in [n for n in ast.walk(body) if isinstance(n, ast.Return) and enclosing_function(n, inner) is None]:
        replace(statement, inner, returning(statement))
    ends_in_return = bool(body.body) and isinstance(body.body[-1], ast.Return)
    replace(node, parents, body.body + ([] if ends_in_return else node.finalbody))


@operator("swap_lock_kind")
def swap_lock_kind(tree, parents):
    """``RLock()`` becomes ``Lock()`` and the other way round."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) in ("Lock", "RLock") and not node.args:
            def swap(n, p):
                other = "Lock" if call_name(n) == "RLock" else "RLock"
                n.func = ast.Attribute(ast.Call(ast.Name("__import__", ast.Load()), [ast.Constant("threading")], []), other, ast.Load())

            yield node, f"`{src(node)}` becomes {'Lock' if call_name(node) == 'RLock' else 'RLock'}()", swap


@operator("restart_timeout")
def restart_timeout(tree, parents):
    """A wait inside a loop is given the whole ``timeout`` again after every wakeup."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and call_name(node) in ("wait", "wait_for", "acquire", "get", "put") and isinstance(node.func, ast.Attribute)):
            continue
        function = enclosing_function(node, parents)
        if function is None or "timeout" not in [a.arg for a in function.args.args + function.args.kwonlyargs]:
            continue
        if not inside_loop(node, parents):
            continue
        positional = 1 if call_name(node) == "wait_for" else (1 if call_name(node) == "put" else 0)
        args = node.args
        current = args[positional] if len(args) > positional else next((k.value for k in node.keywords if k.arg == "timeout"), None)
        if current is None or (isinstance(current, ast.Name) and current.id == "timeout"):
            continue

        def restart(n, p, positional=positional):
            if len(n.args) > positional:
                n.args[positional] = ast.Name("timeout", ast.Load())
            else:
                for k in n.keywords:
                    if k.arg == "timeout":
                        k.value = ast.Name("timeout", ast.Load())

        yield node, f"`{src(node)}` waits the whole timeout again", restart


@operator("one_sentinel_fewer")
def one_sentinel_fewer(tree, parents):
    """``for _ in range(n): q.put(STOP)`` sends one stop signal fewer."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.For)
            and isinstance(node.iter, ast.Call)
            and call_name(node.iter) == "range"
            and len(node.iter.args) == 1
            and calls_in(node.body, {"put", "put_nowait", "append", "appendleft"})
        ):
            def fewer(n, p):
                n.iter.args[0] = ast.BinOp(n.iter.args[0], ast.Sub(), ast.Constant(1))

            yield node, f"`for … in {src(node.iter)}` sends one fewer", fewer


@operator("narrow_except")
def narrow_except(tree, parents):
    """``except BaseException`` becomes ``except Exception``: KeyboardInterrupt-like errors escape."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name) and node.type.id == "BaseException":
            def narrow(n, p):
                n.type = ast.Name("Exception", ast.Load())

            yield node, "`except BaseException` becomes `except Exception`", narrow


ITERATING = {"list", "tuple", "enumerate", "zip", "iter", "sorted", "set", "dict", "map"}


@operator("iterate_twice")
def iterate_twice(tree, parents):
    """An iterable argument is read once before its real use: a generator is then empty."""
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = {a.arg for a in node.args.args + node.args.kwonlyargs} - {"self", "cls"}
        iterated = set()
        for inner in ast.walk(node):
            iters = []
            if isinstance(inner, (ast.For, ast.comprehension)):
                iters.append(inner.iter)
            if isinstance(inner, ast.Call) and call_name(inner) in ITERATING:
                iters += inner.args
            iterated |= {e.id for e in iters if isinstance(e, ast.Name) and e.id in params}
        for name in sorted(iterated):
            def consume(n, p, name=name):
                peek = ast.parse(f"[_kata_item for _kata_item in {name}]").body[0]
                at = 1 if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant) else 0
                n.body.insert(at, peek)

            yield node, f"{node.name}() reads `{name}` once before using it", consume


COPIES = {"dict", "list", "set", "tuple", "copy", "deepcopy", "frozenset"}


@operator("return_internal")
def return_internal(tree, parents):
    """``return dict(self._data)`` / ``return self._data.copy()`` returns the internal object itself."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Return) or not isinstance(node.value, ast.Call):
            continue
        value = node.value
        inner = None
        if isinstance(value.func, ast.Name) and value.func.id in COPIES and len(value.args) == 1 and not value.keywords:
            inner = value.args[0]
        elif isinstance(value.func, ast.Attribute) and value.func.attr == "copy" and not value.args:
            inner = value.func.value
        if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id == "self":
            def internal(n, p, inner=inner):
                n.value = inner

            yield node, f"`{src(node)}` returns {src(inner)} itself", internal


# --------------------------------------------------------------------------- mutants


@dataclass
class Mutant:
    """One operator applied at one site of one correct file."""

    exercise: catalogue.Exercise
    origin: Path  # the solution or alternative it was derived from
    operator: str
    function: str  # the enclosing def (or "<module>")
    nth: int  # which site of this operator in that function, from 1
    line: int
    what: str
    source: str
    diff: str

    @property
    def id(self) -> str:
        """Stable across edits elsewhere in the file: origin, operator, function, occurrence."""
        origin = "solution" if self.origin.parent == catalogue.SOLUTIONS else self.origin.stem
        return f"{origin}:{self.operator}:{self.function}:{self.nth}"


def mutants_of(exercise: catalogue.Exercise, origin: Path, only: set[str] | None = None) -> list[Mutant]:
    """Every mutant of every operator at every site of ``origin``, skipping rewrites that change nothing."""
    text = origin.read_text(encoding="utf-8")
    tree = ast.parse(text)
    baseline = ast.unparse(tree) + "\n"
    found: list[Mutant] = []
    seen: set[str] = set()
    for name, op in OPERATORS.items():
        if only and name not in only:
            continue
        parents = parents_of(tree)
        index = {id(node): i for i, node in enumerate(ast.walk(tree))}
        counts: dict[str, int] = {}
        for node, what, edit in list(op(tree, parents)):
            function = enclosing_function(node, parents)
            where = (function.name if function else "<module>") if not isinstance(node, ast.FunctionDef) else node.name
            counts[where] = counts.get(where, 0) + 1
            mutated = copy.deepcopy(tree)
            twin = list(ast.walk(mutated))[index[id(node)]]
            try:
                edit(twin, parents_of(mutated))
                ast.fix_missing_locations(mutated)
                source = ast.unparse(mutated) + "\n"
                compile(source, str(origin), "exec")
            except (ValueError, SyntaxError, TypeError, IndexError):
                continue
            digest = hashlib.sha1(source.encode()).hexdigest()
            if source == baseline or digest in seen:
                continue
            seen.add(digest)
            diff = "".join(difflib.unified_diff(baseline.splitlines(True), source.splitlines(True), "original", "mutant", n=1))
            found.append(Mutant(exercise, origin, name, where, counts[where], getattr(node, "lineno", 0), what, source, diff))
    return found


def all_mutants(exercises: list[catalogue.Exercise], only: set[str] | None = None) -> list[Mutant]:
    out: list[Mutant] = []
    for exercise in exercises:
        for origin in [exercise_solution(exercise), *exercise.alternatives()]:
            if origin.is_file():
                out += mutants_of(exercise, origin, only)
    return out


def exercise_solution(exercise: catalogue.Exercise) -> Path:
    return catalogue.SOLUTIONS / f"{exercise.stem}.py"


def equivalents(exercise: catalogue.Exercise) -> dict[str, str]:
    """Reviewed equivalent mutants of an exercise: id -> why it still behaves correctly."""
    path = catalogue.MUTANTS / exercise.stem / EQUIVALENT_FILE
    if not path.is_file():
        return {}
    reasons = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        ident, _, why = line.partition("#")
        reasons[ident.strip()] = why.strip()
    return reasons


@dataclass
class Outcome:
    mutant: Mutant
    run: Run | None = None
    killed_by: list[str] = field(default_factory=list)

    @property
    def killed(self) -> bool:
        return bool(self.killed_by)


def run_mutant(mutant: Mutant) -> Outcome:
    """The mutant under the exercise's own name, through its public checks, once, up to the first
    check that fails (one failure kills it; the checks after it are skipped, not waited out)."""
    with tempfile.TemporaryDirectory(prefix="threadkata-mutation-") as folder:
        (Path(folder) / f"{mutant.exercise.stem}.py").write_text(mutant.source, encoding="utf-8")
        run = run_checks(mutant.exercise, Path(folder), timeout=RUN_TIMEOUT, forked=True, stop_round_at_first_failure=True)
    failing = run.failures_by_round(1)[0]
    if run.timed_out:
        failing = failing or ["(the check run did not finish)"]
    return Outcome(mutant, run, sorted(set(failing)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.maint.mutation", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", help="exercise numbers (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants checked at once (default 2)")
    parser.add_argument("--operators", nargs="*", default=None, metavar="NAME", help=f"only these operators ({', '.join(OPERATORS)})")
    parser.add_argument("--list", action="store_true", help="list the mutants with their diffs; run nothing")
    args = parser.parse_args(argv)
    exercises = [catalogue.find(n) for n in args.exercises] if args.exercises else catalogue.all_exercises()
    mutants = all_mutants(exercises, set(args.operators) if args.operators else None)
    if args.list:
        for m in mutants:
            print(f"{m.exercise.number} {m.id}  (line {m.line}: {m.what})\n{m.diff}")
        print(f"mutation: {len(mutants)} generated")
        return 0
    excuses = {e.stem: equivalents(e) for e in exercises}
    to_run = [m for m in mutants if m.id not in excuses[m.exercise.stem]]
    equivalent = len(mutants) - len(to_run)
    killed = survived = 0
    per_exercise: dict[str, list[int]] = {e.number: [0, 0, 0, 0] for e in exercises}
    for m in mutants:
        per_exercise[m.exercise.number][0] += 1
        if m.id in excuses[m.exercise.stem]:
            per_exercise[m.exercise.number][2] += 1
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for outcome in pool.map(run_mutant, to_run):
            m = outcome.mutant
            if outcome.killed:
                killed += 1
                per_exercise[m.exercise.number][1] += 1
                print(f"{m.exercise.number} killed    {m.id}  by {', '.join(outcome.killed_by[:3])}", flush=True)
            else:
                survived += 1
                per_exercise[m.exercise.number][3] += 1
                print(f"{m.exercise.number} SURVIVED  {m.id}  (line {m.line}: {m.what})\n{m.diff}", flush=True)
    stale = [(stem, ident) for stem, reasons in excuses.items() for ident in reasons if ident not in {m.id for m in mutants if m.exercise.stem == stem}]
    for stem, ident in stale:
        print(f"stale: {stem}/{EQUIVALENT_FILE} names {ident}, which is no longer generated")
    print("\nexercise  generated  killed  equivalent  survived")
    for number, (g, k, e, s) in per_exercise.items():
        print(f"{number:>8}  {g:>9}  {k:>6}  {e:>10}  {s:>8}")
    print(f"mutation: {len(mutants)} generated, {killed} killed, {equivalent} equivalent, {survived} survived")
    return 1 if survived or stale else 0


if __name__ == "__main__":
    sys.exit(main())
