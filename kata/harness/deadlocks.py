"""Proving a deadlock on locks from where threads stand, without waiting out a bound.

A thread whose frame in the learner's file is inside the body of ``with L:`` holds ``L``; a thread
whose innermost frame there stands on a ``with L:`` line (or a bare ``L.acquire()``), with nothing
deeper than the real lock or the harness's stand-in for it, is waiting to take ``L``. A thread
waiting for a ``threading.Lock`` it holds itself, or for a lock held by a thread that is itself
stuck so (a cycle of waits included), can never go on: nothing of the program is left to release
those locks. That is read from one snapshot of the stacks, so a check that sees it need not wait
its bound out. Only locks the text of the file names plainly (a name or an attribute path such as
``self._lock``, read without running any of the learner's code) and real ``Lock``/``RLock`` objects
count; anything else proves nothing, and the check waits as before. A lock a thread took with
``acquire()`` is not known to be held, so it proves nothing either.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import sys
import threading
from pathlib import Path
from typing import Any, NamedTuple

#: The lock types whose holder and waiters the proof reasons about: plain locks cannot be taken twice.
_PLAIN = type(threading.Lock())
_REENTRANT = (type(threading.RLock()), threading._PyRLock) if hasattr(threading, "_PyRLock") else (type(threading.RLock()),)


class _Lines(NamedTuple):
    held: dict[int, tuple[ast.expr, ...]]  # line -> the with-expressions whose bodies it is in (same function)
    entering: dict[int, ast.expr]  # line of a with header (one item) or a bare X.acquire(): the lock it takes
    header_of: dict[ast.expr, int]  # a held expression -> the line of its with statement


_parsed: dict[tuple[str, int], _Lines | None] = {}


def _lines(file: str) -> _Lines | None:
    """What each line of ``file`` holds and takes (cached by the file's size and name; None if it does not parse)."""
    source = "".join(linecache.getlines(file))
    key = (file, hash(source))
    if key not in _parsed:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            _parsed[key] = None
            return None
        held: dict[int, tuple[ast.expr, ...]] = {}
        entering: dict[int, ast.expr] = {}
        header_of: dict[ast.expr, int] = {}

        def mark(node: ast.AST, stack: tuple[ast.expr, ...]) -> None:
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):  # type: ignore[attr-defined]
                held[line] = stack

        def visit(node: ast.AST, stack: tuple[ast.expr, ...]) -> None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack = ()  # a new scope: its frames hold nothing the outer one took
            if isinstance(node, (ast.stmt, ast.Lambda)):
                mark(node, stack)
            if isinstance(node, ast.With):
                exprs = tuple(item.context_expr for item in node.items)
                if len(exprs) == 1:  # not on a line the body shares (`with lock: x += 1`): there a frame may hold it or wait
                    for line in range(node.lineno, min((exprs[0].end_lineno or node.lineno) + 1, node.body[0].lineno)):
                        entering[line] = exprs[0]
                for item in node.items:
                    visit(item, stack)
                for expr in exprs:
                    header_of[expr] = node.lineno
                for statement in node.body:
                    visit(statement, stack + exprs)
                return
            call = node.value if isinstance(node, ast.Expr) else None
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "acquire" and not call.args and not call.keywords:
                entering[node.lineno] = call.func.value
            for child in ast.iter_child_nodes(node):
                visit(child, stack)

        visit(tree, ())
        _parsed[key] = _Lines(held, entering, header_of)
    return _parsed[key]


_MISSING = object()


def _value(expr: ast.expr, frame: Any) -> Any:
    """The object a plain name or attribute path names in ``frame``, read without running any code; else _MISSING."""
    if isinstance(expr, ast.Name):
        for space in (frame.f_locals, frame.f_globals, vars(builtins)):
            if expr.id in space:
                return space[expr.id]
        return _MISSING
    if isinstance(expr, ast.Attribute):
        base = _value(expr.value, frame)
        if base is _MISSING:
            return _MISSING
        try:
            found = inspect.getattr_static(base, expr.attr)
        except AttributeError:
            return _MISSING
        if type(found).__name__ == "member_descriptor":  # a slot: reading it runs no learner code
            try:
                return found.__get__(base, type(base))
            except AttributeError:
                return _MISSING
        return _MISSING if hasattr(type(found), "__get__") else found
    return _MISSING


def _lock(obj: Any) -> Any:
    """The real lock ``obj`` is (seeing through the harness's PausingLock), or None."""
    if type(obj).__module__ == "kata.harness.forcing" and type(obj).__name__ == "PausingLock":
        obj = inspect.getattr_static(obj, "_real", None)
    return obj if isinstance(obj, (_PLAIN, *_REENTRANT)) else None


class Wait(NamedTuple):
    """One thread waiting for a lock: where it stands, and where the holder took the lock."""

    thread: int
    name: str  # the expression, as the learner wrote it
    where: tuple[str, int, str, str]  # (file, line, function, source) where the thread waits
    holder: int
    taken: tuple[str, int, str, str]  # where the holder took it
    plain: bool


#: The harness's stand-ins a lock wait may pass through (PausingLock's methods).
_STANDINS = frozenset({"__enter__", "acquire"})


def _frames_of(frame: Any, files: set[str], harness: str) -> tuple[list[Any], bool]:
    """The learner's frames of one stack, outermost first, and whether nothing but the lock (or its stand-in) is deeper."""
    mine, only_lock = [], True
    while frame is not None:
        code = frame.f_code
        if code.co_filename in files:
            mine.append(frame)
        elif not mine and not (code.co_filename.startswith(harness) and code.co_name in _STANDINS):
            only_lock = False
        frame = frame.f_back
    return mine[::-1], only_lock


def _place(frame: Any, line: int | None = None) -> tuple[str, int, str, str]:
    line = frame.f_lineno if line is None else line
    return (frame.f_code.co_filename, line, frame.f_code.co_name, linecache.getline(frame.f_code.co_filename, line).strip())


def waiting_to_take(files: set[str], threads: set[int], harness: str) -> set[int]:
    """Those of ``threads`` that wait, on a ``with`` line (or a bare ``acquire()``) of ``files``, to
    take a ``threading.Lock`` that is held: blocked until its holder lets it go, whoever that is."""
    _, waits = _holders_and_waits(files, threads, harness)
    return {ident for ident, (lock, _, _) in waits.items() if isinstance(lock, _PLAIN)}


#: Where a line stands: (file, line, function, source).
Place = tuple[str, int, str, str]


def _holders_and_waits(files: set[str], threads: set[int], harness: str) -> tuple[dict[int, list[tuple[int, Place]]], dict[int, tuple[Any, str, Place]]]:
    """Which of ``threads`` hold which locks (by id, with where they took them), and which wait to take one."""
    holders: dict[int, list[tuple[int, Place]]] = {}  # id(lock) -> [(thread, where taken)]
    waits: dict[int, tuple[Any, str, Place]] = {}  # thread -> (lock, name, where)
    for ident, top in sys._current_frames().items():
        if ident not in threads:
            continue
        mine, only_lock = _frames_of(top, files, harness)
        for index, frame in enumerate(mine):
            lines, at = _lines(frame.f_code.co_filename), frame.f_lineno
            if lines is None or at is None:
                continue
            for expr in lines.held.get(at, ()):
                lock = _lock(_value(expr, frame))
                if lock is not None:
                    holders.setdefault(id(lock), []).append((ident, _place(frame, lines.header_of.get(expr))))
            expr = lines.entering.get(at)
            if index == len(mine) - 1 and only_lock and expr is not None:
                lock = _lock(_value(expr, frame))
                if lock is not None and (lock.locked() if isinstance(lock, _PLAIN) else True):  # a free plain lock is no wait
                    waits[ident] = (lock, ast.unparse(expr), _place(frame, at))
    return holders, waits


def stuck_on_locks(files: set[str], threads: set[int], harness: str) -> dict[int, list[Wait]]:
    """For each of ``threads`` that can never go on: the chain of lock waits that proves it, from it to the cycle."""
    holders, waits = _holders_and_waits(files, threads, harness)
    edges: dict[int, Wait] = {}
    for ident, (lock, name, where) in waits.items():
        held = holders.get(id(lock), [])
        owners = {owner for owner, _ in held}
        plain = isinstance(lock, _PLAIN)
        if len(owners) != 1 or (not plain and owners == {ident}):
            continue  # no known holder, a reentrant lock taken again by its owner, or more than one "holder": nothing proved
        owner, taken = held[0]
        edges[ident] = Wait(ident, name, where, owner, taken, plain)
    stuck: dict[int, list[Wait]] = {}
    for start in edges:
        chain, seen, at = [], set(), start
        while at in edges and at not in seen:
            seen.add(at)
            chain.append(edges[at])
            at = edges[at].holder
        if at in seen:  # the chain ends in a cycle (a thread waiting for itself is the smallest one)
            stuck[start] = chain
    return stuck


def story(chain: list[Wait], name_of: dict[int, str]) -> str:
    """The chain of waits in words: who waits where for which lock, held by whom since where."""
    parts = []
    for wait in chain:
        _, line, function, source = wait.where
        _, since, holder_function, holder_source = wait.taken
        kind = "a threading.Lock" if wait.plain else "a threading.RLock"
        who = "this same thread" if wait.holder == wait.thread else f"thread {name_of.get(wait.holder, wait.holder)!r}"
        parts.append(
            f"thread {name_of.get(wait.thread, wait.thread)!r} waits at {Path(wait.where[0]).name} line {line}, in {function} "
            f"(`{source}`) for {wait.name} ({kind}), which {who} took at line {since}, in {holder_function} (`{holder_source}`), "
            "and still holds"
        )
    return "; ".join(parts)
