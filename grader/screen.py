"""Static screening: read a submission's exercise file (never run it) and say what a threading
exercise has no need for.

:func:`screen` parses the file with :mod:`ast` and returns one reason per finding, each naming the
file, the line and what was found, in words an instructor can act on. A reason is a *flag*: the
grader still runs the file and scores it, and marks the exercise for review (``--on-flag zero``
scores it 0 instead). Every reference solution and alternative passes untouched, and
``selftest/test_grader_forgery.py`` screens them all, so a flag always means code worth a look.

What is flagged, exactly:

* **Imports** outside :data:`ALLOWED_IMPORTS` (plus the exercise's row in :data:`EXERCISE_IMPORTS`):
  ``sys``, ``os``, ``gc``, ``importlib``, ``builtins``, ``inspect``, ``ctypes``, ``pytest`` and the
  like; a relative import; a private name imported from a module (``from threading import _os``).
* **Dunder attributes** not in :data:`ALLOWED_DUNDERS`: ``__code__``, ``__class__``, ``__globals__``,
  ``__subclasses__``, ``__dict__``, ``__builtins__``, ``__closure__``, ``__traceback__`` … The data
  model's methods a class defines or calls (``super().__init__()``, ``self.__enter__()``,
  ``lock.__exit__(...)``, ``__len__``) and descriptive names (``__name__``, ``__qualname__``,
  ``__doc__``, ``__module__``, ``__wrapped__``) are allowed; ``__setattr__``, ``__getattr__``,
  ``__getattribute__`` and ``__delattr__`` only on ``super()`` or ``object`` (a frozen dataclass's
  ``object.__setattr__(self, …)``). A dunder *name* (``__builtins__``, ``__import__``, ``__loader__``)
  is flagged too, but not ``__name__``, ``__doc__``, ``__file__``, ``__slots__`` or ``__all__``.
* **Frame and code objects' attributes** (``gi_frame``, ``f_back``, ``f_globals``, ``tb_frame`` …),
  through which code reaches the checks' variables without importing anything.
* ``getattr``/``setattr``/``delattr``/``hasattr`` with a **computed name** (not a string literal);
  a literal name is judged as the attribute it names.
* The builtins **eval, exec, compile, open, __import__, globals, vars, breakpoint**, used at all
  (called or passed on), unless the file binds that name itself (a parameter named ``compile``);
  ``vars(obj)`` of one object that is not an imported name or reached from one
  (``vars(threading.current_thread())``, ``vars(self)``) reads that object's attributes and is allowed.
* **Tracing**: any attribute named ``settrace``, ``setprofile``, ``settrace_all_threads``,
  ``setprofile_all_threads`` or ``monitoring`` (``threading.settrace``, ``sys.monitoring``).
* **Changing an imported module**: assigning to or deleting an attribute reached from a name an
  import bound (``pytest.TestReport.failed = False``, ``threading.Lock = …``,
  ``from threading import Lock as L; L.acquire = …``), or ``setattr`` on one.
* **Private attributes of an imported module** (``threading._os``, ``queue._PySimpleQueue``), and
  the modules some allowed modules re-export (``typing.sys``, ``contextlib.os``, and
  ``from dataclasses import sys``): :data:`REEXPORTED`.
* **Format strings that read attributes' internals** (``"{0.__globals__}".format(f)``).

Only the standard library is used; a file that does not parse is not flagged (its run reports the
syntax error to the learner).
"""

from __future__ import annotations

import ast
import re

#: Modules every exercise may import: threading and the standard library's plain data and
#: concurrency tools. Nothing that reaches the interpreter (sys, gc, inspect, importlib,
#: builtins), the file system or processes (os, io, subprocess), or the checks (pytest, kata).
ALLOWED_IMPORTS = frozenset({
    "__future__", "abc", "bisect", "collections", "collections.abc", "concurrent", "concurrent.futures",
    "contextlib", "contextvars", "copy", "dataclasses", "enum", "functools", "heapq", "itertools",
    "math", "numbers", "operator", "queue", "random", "sched", "statistics", "string", "threading",
    "time", "typing", "weakref",
})  # fmt: skip

#: Extra modules an exercise may import beyond :data:`ALLOWED_IMPORTS`, by stem. Empty: every
#: stub, solution and alternative needs only the common set (the selftest screens them all).
EXERCISE_IMPORTS: dict[str, frozenset[str]] = {}

#: Dunder attributes that are ordinary Python: the data model's methods, called or defined, and
#: the descriptive names a decorator or a ``__repr__`` reads.
ALLOWED_DUNDERS = frozenset({
    "__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__", "__class_getitem__",
    "__enter__", "__exit__", "__aenter__", "__aexit__", "__del__",
    "__len__", "__iter__", "__next__", "__reversed__", "__contains__", "__getitem__", "__setitem__",
    "__delitem__", "__missing__", "__call__", "__await__", "__aiter__", "__anext__",
    "__repr__", "__str__", "__format__", "__bytes__", "__hash__", "__bool__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    "__add__", "__sub__", "__mul__", "__iadd__", "__isub__", "__index__", "__int__", "__float__",
    "__get__", "__set__", "__delete__",
    "__name__", "__qualname__", "__doc__", "__module__", "__wrapped__", "__slots__", "__annotations__",
})  # fmt: skip

#: Attribute hooks allowed only on ``super()`` or ``object`` (elsewhere they reach around the class).
HOOK_DUNDERS = frozenset({"__setattr__", "__getattr__", "__getattribute__", "__delattr__"})

#: Dunder names (not attributes) a file may use.
ALLOWED_DUNDER_NAMES = frozenset({"__name__", "__doc__", "__file__", "__slots__", "__all__", "__module__", "__qualname__", "__annotations__", "__match_args__"})

#: Builtins that run text as code, open files or hand out namespaces.
FORBIDDEN_BUILTINS = frozenset({"eval", "exec", "compile", "open", "__import__", "globals", "vars", "breakpoint"})

#: Attributes that install tracing or profiling callbacks.
TRACING = frozenset({"settrace", "setprofile", "settrace_all_threads", "setprofile_all_threads", "monitoring"})

#: Attributes of frames, code objects, generators and tracebacks.
FRAME_ATTRIBUTES = frozenset({
    "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_back", "f_globals",
    "f_locals", "f_builtins", "f_code", "tb_frame", "tb_next", "co_code", "co_consts",
})  # fmt: skip

#: Modules outside the allowlist that allowed modules hold as public attributes (``typing.sys``).
REEXPORTED = frozenset({
    "sys", "os", "builtins", "gc", "types", "importlib", "inspect", "io", "subprocess", "signal", "atexit",
    "ctypes", "warnings", "linecache", "traceback", "copyreg", "pickle", "marshal", "_thread", "_collections_abc",
})  # fmt: skip

#: A format field that reads a special attribute: ``{0.__class__}``, ``{x.__globals__[y]}``.
FORMAT_DUNDER = re.compile(r"\{[^{}]*\.__\w+__")

ATTRIBUTE_FUNCTIONS = ("getattr", "setattr", "delattr", "hasattr")

#: How an import outside the allowlist is described.
OUTSIDE = "a module outside those a threading exercise may use (threading, queue, time, collections, functools, typing … as listed in grader/screen.py)"


def allowed_imports(stem: str) -> frozenset[str]:
    """The modules exercise ``stem`` may import."""
    return ALLOWED_IMPORTS | EXERCISE_IMPORTS.get(stem, frozenset())


def screen(source: str | bytes, file: str, stem: str) -> list[str]:
    """The reasons to look twice at ``source`` (the file ``file`` of exercise ``stem``); empty when clean.

    Never raises: a file that cannot be parsed gives no reason (its run reports why), one too
    deeply nested to read gives that as its reason.
    """
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError):
        return []
    except (RecursionError, MemoryError):
        return [f"{file}: too deeply nested to be screened, so it was not read for forgery."]
    try:
        return _Screen(file, stem, tree).reasons
    except RecursionError:
        return [f"{file}: too deeply nested to be screened, so it was not read for forgery."]


class _Screen:
    def __init__(self, file: str, stem: str, tree: ast.Module) -> None:
        self.file, self.stem = file, stem
        self.allowed = allowed_imports(stem)
        self.found: list[tuple[int, str]] = []  # (line, reason), each reason once
        self.imported: set[str] = set()  # names an import bound
        nodes = list(ast.walk(tree))
        self.bound = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.bound |= {n.arg for n in nodes if isinstance(n, ast.arg)}
        self.bound |= {n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports(node)
        # vars(obj) of an object the file made or was handed (a Thread, self) reads that object's
        # attributes, as obj.x would; of a module (or something reached from one) it would hand out
        # the library's namespace, so only those stay flagged.
        self.plain_vars = {
            id(n.func) for n in nodes
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "vars" and len(n.args) == 1 and not n.keywords
            and not isinstance(n.args[0], ast.Starred) and self.root(n.args[0]) not in self.imported
        }  # fmt: skip
        for node in sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
            if isinstance(node, ast.Attribute):
                self.attribute(node, node.attr, node.value)
            elif isinstance(node, ast.Name):
                self.name(node)
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and FORMAT_DUNDER.search(node.value):
                self.flag(node, "holds a format string that reads a special attribute (like {0.__globals__})")
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                for target in targets:
                    self.changes(target, "deletes" if isinstance(node, ast.Delete) else "assigns to")
        self.reasons = [reason for _, reason in sorted(self.found, key=lambda found: found[0])]

    def flag(self, node: ast.AST, what: str) -> None:
        line = getattr(node, "lineno", 0)
        reason = f"{self.file} line {line}: {what}"
        if all(reason != seen for _, seen in self.found):
            self.found.append((line, reason))

    # imports ---------------------------------------------------------------------------

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.imported.add((alias.asname or alias.name).split(".")[0])
                if alias.name not in self.allowed:
                    self.flag(node, f"imports {alias.name}, {OUTSIDE}")
            return
        if node.level:
            self.flag(node, "uses a relative import (there is no package around an exercise file)")
            return
        module = node.module or ""
        if module not in self.allowed:
            self.flag(node, f"imports from {module}, {OUTSIDE}")
        for alias in node.names:
            if alias.name != "*":
                self.imported.add(alias.asname or alias.name)
            if alias.name.startswith("_"):
                self.flag(node, f"imports the private name {alias.name} from {module}")
            elif alias.name in REEXPORTED:
                self.flag(node, f"imports the module {alias.name} through {module}, which a threading exercise does not need")

    # attributes and names --------------------------------------------------------------

    def attribute(self, node: ast.AST, attr: str, receiver: ast.AST) -> None:
        if attr.startswith("__") and attr.endswith("__") and len(attr) > 4:
            hook_ok = attr in HOOK_DUNDERS and _is_super_or_object(receiver)
            if attr not in ALLOWED_DUNDERS and not hook_ok:
                self.flag(node, f"reads the special attribute {attr} (reaching into Python's internals, which an exercise never needs)")
        elif attr in TRACING:
            self.flag(node, f"uses {attr}, which installs tracing or monitoring callbacks (the checks' own instruments)")
        elif attr in FRAME_ATTRIBUTES:
            self.flag(node, f"reads {attr}, an attribute of frames or code objects (a way to reach the checks' variables)")
        elif attr.startswith("_") and self.root(receiver) in self.imported:
            self.flag(node, f"reads the private attribute {attr} of {_dotted(receiver)}, an imported module or its contents")
        elif attr in REEXPORTED and self.root(receiver) in self.imported:
            self.flag(node, f"reaches the module {attr} through {_dotted(receiver)}, which a threading exercise does not need")

    def name(self, node: ast.Name) -> None:
        if node.id in FORBIDDEN_BUILTINS and node.id not in self.bound and id(node) not in self.plain_vars:
            self.flag(node, f"uses the builtin {node.id}(), which runs text as code, opens files or hands out namespaces")
        elif node.id.startswith("__") and node.id.endswith("__") and node.id not in ALLOWED_DUNDER_NAMES and node.id not in self.bound:
            self.flag(node, f"uses the special name {node.id}")

    def call(self, node: ast.Call) -> None:
        function = node.func
        if not (isinstance(function, ast.Name) and function.id in ATTRIBUTE_FUNCTIONS and function.id not in self.bound):
            return
        if len(node.args) < 2:
            return
        name = node.args[1]
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            self.flag(node, f"calls {function.id}() with a computed attribute name, which the screen cannot read")
            return
        self.attribute(node, name.value, node.args[0])
        if function.id in ("setattr", "delattr") and self.root(node.args[0]) in self.imported:
            self.flag(node, f"changes {_dotted(node.args[0])}.{name.value} with {function.id}(), an attribute of an imported module or its contents")

    def changes(self, target: ast.AST, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.changes(element, verb)
        elif isinstance(target, ast.Starred):
            self.changes(target.value, verb)
        elif isinstance(target, (ast.Attribute, ast.Subscript)) and self.root(target) in self.imported:
            self.flag(target, f"{verb} {_dotted(target)}, an attribute of an imported module or its contents (changing the library, not the exercise)")

    @staticmethod
    def root(node: ast.AST) -> str | None:
        """The name a chain like ``a.b[c].d`` starts from (None if it starts from a call or a literal)."""
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None


def _is_super_or_object(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "object"
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for an attribute chain (``…`` for the parts that are not names)."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{_dotted(node.value)}[…]"
    return node.id if isinstance(node, ast.Name) else "…"
