"""The learner's program: its file compiled once, fresh instrumented copies of its module, and
the instruction callback that makes switch points and records what each step read and wrote."""

from __future__ import annotations

import builtins
import dataclasses
import dis
import io
import random
import sys
import tokenize
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kata.explorer.standins import _importer, _stand_in_modules
from kata.explorer.trace import _MISSING, _attribute, _shown
from kata.harness.instrument import CodeHook

if TYPE_CHECKING:
    from kata.explorer.engine import Schedule

def _ops(*names: str) -> frozenset[int]:
    """The opcodes of this Python among ``names`` (a family; names this version lacks are skipped)."""
    return frozenset(dis.opmap[name] for name in names if name in dis.opmap)


def _family(*prefixes: str) -> frozenset[int]:
    """Every opcode of this Python whose name starts with one of ``prefixes``: new members join by themselves."""
    return frozenset(op for name, op in dis.opmap.items() if name.startswith(prefixes))


# Instructions are classified by what they do, from dis's metadata (hasname, haslocal, hasfree,
# hasjrel/hasjabs/hasjump) and opcode families, so that a new version's new opcodes (3.14's
# LOAD_FAST_BORROW, its subscript as BINARY_OP) land in the right place without an edit here.

#: Named reads and writes: attributes, globals, module-level names, methods, imported modules.
#: (IMPORT_FROM, which also reads a module attribute, has never been a switch point.)
_NAMED = frozenset(dis.hasname) - _ops("IMPORT_FROM")
#: Reads and writes of cells shared with a nested function (dis moved LOAD_DEREF from hasfree
#: to haslocal in 3.14, so this family is named rather than read from dis).
_CELLS = _ops("LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF")
#: Items and slices read or written, membership tests, iteration; SET_FUNCTION_ATTRIBUTE (3.13+)
#: sets an attribute of a function being made.
_ITEMS = _ops("BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE", "STORE_SLICE", "BUILD_SLICE",
              "CONTAINS_OP", "FOR_ITER", "SET_FUNCTION_ATTRIBUTE")
#: Instructions before which a switch can matter: they read or write shared state. A call is not
#: one: what it touches in the learner's file has switch points of its own, a stand-in primitive's
#: call is a sync point, and a builtin such as ``print`` touches no shared state — so adding a
#: ``print`` adds no switch point and moves no other (see ``_Instruction.site``).
_SHARED = _NAMED | _CELLS | _ITEMS
#: Since 3.14 a subscript is BINARY_OP with this operator (dis shows it as ``[]``).
_SUBSCRIPT_OP = "[]"
#: Instructions that change shared state: preemption points are drawn from the steps just before
#: them and from synchronisation calls, since a switch between two reads changes nothing.
_WRITES = _SHARED & _family("STORE_", "DELETE_")
#: Loads of a variable (local, cell, global or module-level name) whose object the trace can look
#: into for the attribute an instruction after it reads or writes.
_GLOBAL_LOADS = _ops("LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS")
#: (LOAD_FAST_AND_CLEAR only sets a variable aside around a comprehension: never such an object.)
_LOCAL_LOADS = (frozenset(dis.haslocal) | frozenset(dis.hasfree)) & _family("LOAD_") - _ops("LOAD_FAST_AND_CLEAR")
#: Stores and deletes of a module's globals from inside a function: the names they rebind are the
#: only globals whose loads are switch points (the others — modules, classes, functions, builtins
#: such as ``print`` — are bound once, at import, before any scenario thread runs).
_GLOBAL_STORES = _ops("STORE_GLOBAL", "DELETE_GLOBAL")
#: Jumps (a backward one is a loop going round).
_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs) | frozenset(getattr(dis, "hasjump", ()))


@dataclass(frozen=True)
class _Instruction:
    """What the scheduler needs to know of one instruction of the learner's file."""

    opname: str
    argval: Any
    index: int  # its position in the code object's instructions
    shared: bool  # touches shared state or runs other code: a switch point
    writes: bool  # changes state: a step preemption points are drawn from
    back_edge: bool  # jumps back (a loop goes round): counted toward the step limit
    loads: str = ""  # "globals" or "locals": loads the variables named by argval from there
    #: Where this switch point is, in words that survive edits elsewhere in the file: (the function's
    #: qualified name, the line's code text, which line of the function with that text it is, which
    #: switch point of the line it is). Adding a print, a comment or a blank line changes none of the
    #: others' sites; see ``Program._collect``.
    site: tuple[str, str, int, int] | None = None

    @classmethod
    def of(cls, ins: dis.Instruction, index: int, rebound: frozenset[str] = frozenset()) -> _Instruction:
        op = ins.opcode
        shared = op in _SHARED or (ins.opname == "BINARY_OP" and ins.argrepr == _SUBSCRIPT_OP)
        if op in _GLOBAL_LOADS and ins.opname != "LOAD_NAME" and _names(ins.argval)[-1] not in rebound:
            shared = False  # a module, class, function or builtin: bound once at import
        back = not shared and op in _JUMPS and isinstance(ins.argval, int) and ins.argval < ins.offset
        loads = "globals" if op in _GLOBAL_LOADS else "locals" if op in _LOCAL_LOADS else ""
        return cls(ins.opname, ins.argval, index, shared, op in _WRITES, back, loads)


def _names(argval: Any) -> tuple[Any, ...]:
    """The names an instruction's argument stands for (3.13's LOAD_FAST_LOAD_FAST loads two)."""
    return argval if isinstance(argval, tuple) else (argval,)


def _line_numbers(instructions: list[dis.Instruction]) -> list[int]:
    """Each instruction's line (0 before the first): 3.13's line_number, 3.11's positions, 3.10's starts_line."""
    numbers, last = [], 0
    for ins in instructions:
        number = getattr(ins, "line_number", None)
        if number is None and getattr(ins, "positions", None) is not None:
            number = ins.positions.lineno
        if number is None and not isinstance(ins.starts_line, bool):
            number = ins.starts_line
        last = number or last
        numbers.append(last)
    return numbers


def _code_texts(source: str) -> list[str]:
    """Each line's code without its comment and spacing (a line of a string literal keeps its text)."""
    lines = source.splitlines()
    texts = [line.strip() for line in lines]
    try:
        tokens: dict[int, list[str]] = {}
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                              tokenize.ENDMARKER):
                continue
            for number in range(token.start[0], token.end[0] + 1):
                tokens.setdefault(number, []).append(token.string)
        texts = [" ".join(tokens.get(number, ())) for number in range(1, len(lines) + 1)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return texts


class Program:
    """The learner's file, compiled once, and the instrumentation that makes its switch points."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        source = Path(path).read_text(encoding="utf-8")
        self.lines = source.splitlines()
        self.code = compile(source, self.path, "exec")
        self.codes: dict[Any, dict[int, _Instruction]] = {}
        self.instructions: dict[Any, list[_Instruction]] = {}
        #: For each code object, each line's site (function, code text, which such line): see ``site_of``.
        self.line_sites: dict[Any, dict[int, tuple[str, str, int]]] = {}
        self._texts = _code_texts(source)
        self._rebound = frozenset(self._globals_rebound(self.code))
        self._collect(self.code, "")
        self.name = Path(path).stem
        self.hook = CodeHook(self.codes, self.on_instruction, "threadkata explorer")
        self.schedule: Schedule | None = None

    def _globals_rebound(self, code: Any) -> set[str]:
        """The globals some function of the file stores or deletes (``global x; x += 1``)."""
        names = {ins.argval for ins in dis.get_instructions(code) if ins.opcode in _GLOBAL_STORES}
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                names |= self._globals_rebound(const)
        return names

    def _collect(self, code: Any, function: str) -> None:
        """Classify every instruction of ``code`` (called ``function``) and of the code inside it.

        A switch point's site names it by what an edit elsewhere leaves alone: the function's
        qualified name (``Account.transfer``; the second of two functions so named gets ``#2``),
        the code text of its line, which line of the function carries that text, and which switch
        point of the line it is — never a line number or an offset, which an added line moves.
        """
        instructions = list(dis.get_instructions(code))
        numbers = _line_numbers(instructions)
        seen: dict[str, int] = {}
        sites: dict[int, tuple[str, str, int]] = {}
        for number in sorted(set(numbers)):
            text = self._texts[number - 1] if 0 < number <= len(self._texts) else ""
            seen[text] = seen.get(text, 0) + 1
            sites[number] = (function, text, seen[text])
        self.line_sites[code] = sites
        infos, per_line = [], {}
        for index, (ins, number) in enumerate(zip(instructions, numbers)):
            info = _Instruction.of(ins, index, self._rebound)
            if info.shared:
                per_line[number] = per_line.get(number, 0) + 1
                info = dataclasses.replace(info, site=(*sites.get(number, (function, "", 0)), per_line[number]))
            infos.append(info)
        self.instructions[code] = infos
        self.codes[code] = {ins.offset: info for ins, info in zip(instructions, infos)}
        named: dict[str, int] = {}
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                named[const.co_name] = named.get(const.co_name, 0) + 1
                inner = f"{function}.{const.co_name}" if function else const.co_name
                self._collect(const, inner if named[const.co_name] == 1 else f"{inner}#{named[const.co_name]}")

    def site_of(self) -> tuple[str, str, int, str]:
        """Where the current thread is, for a sync point: the innermost learner frame's line site
        (see ``_collect``), or an empty one in the check's own code."""
        frame = sys._getframe(1)
        sites = self.line_sites
        while frame is not None:
            lines = sites.get(frame.f_code)
            if lines is not None:
                return (*lines.get(frame.f_lineno or 0, ("", "", 0)), "sync")
            frame = frame.f_back
        return ("", "", 0, "sync")

    def source_of(self, line: Any) -> str:
        if isinstance(line, int) and 0 < line <= len(self.lines):
            return self.lines[line - 1].strip()
        return ""

    def line_of(self, error: BaseException) -> int:
        """The last line of the learner's file an exception went through."""
        line, tb = 0, error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in self.codes:
                line = tb.tb_lineno
            tb = tb.tb_next
        return line

    def learner_line(self) -> int:
        """The line of the learner's file the current thread is on (innermost learner frame)."""
        frame = sys._getframe(1)
        codes = self.codes
        while frame is not None:
            if frame.f_code in codes:
                return frame.f_lineno or 0
            frame = frame.f_back
        return 0

    def fresh_module(self, rng: random.Random) -> types.ModuleType:
        module = types.ModuleType(self.name)
        module.__file__ = self.path
        module.__dict__["__builtins__"] = dict(vars(builtins), __import__=_importer(_stand_in_modules(rng)))
        borrowed = self.name not in sys.modules  # dataclasses and typing look a class's module up by name
        if borrowed:
            sys.modules[self.name] = module
        try:
            exec(self.code, module.__dict__)
        finally:
            if borrowed:
                sys.modules.pop(self.name, None)
        return module

    # ---- instrumentation: through kata.harness.instrument (sys.monitoring on 3.12+, opcode tracing before)

    def on_instruction(self, frame: Any, offset: int) -> None:
        """Called before each instruction of the learner's file; never raises."""
        try:
            schedule = self.schedule
            if schedule is None:
                return
            if schedule.aborted:
                schedule.after_abort()
                return
            me = schedule.task()
            if me is None:
                return
            info = self.codes[frame.f_code].get(offset)
            if info is None:
                return
            opname, argval, index = info.opname, info.argval, info.index
            if info.back_edge:
                schedule.spin(me)  # `while True: pass` still reaches the step limit
            if not info.shared:
                return
            owner = None
            if opname == "LOAD_ATTR" or opname == "STORE_ATTR":
                owner = self._owner(frame, index, argval)
                if opname == "LOAD_ATTR" and isinstance(owner, types.ModuleType):
                    return  # `logging.info`, `time.sleep`: a module's function, not shared state
            # First, so what is read below is what the instruction will see. Steps that
            # write are where preemptions are drawn from (see Schedule).
            schedule.point(me, info.writes, info.site)
            if schedule.aborted:
                return
            note = access = None
            if opname == "LOAD_ATTR" or opname == "STORE_ATTR":
                if owner is not None:
                    if opname == "STORE_ATTR":
                        me.pending = (owner, argval, schedule.record(me, frame.f_lineno))
                        return
                    shown = _shown(_attribute(owner, argval))
                    if shown is not None:
                        note = f"reads {argval} = {shown}"
                        access = (id(owner), "reads", argval, shown)
            schedule.record(me, frame.f_lineno, note, access=access)
        except BaseException:
            pass

    def _owner(self, frame: Any, index: int, attr: str) -> Any:
        """The object whose attribute an instruction reads or writes, found from the loads before it."""
        instructions = self.instructions[frame.f_code]
        for back in range(index - 1, max(index - 7, -1), -1):
            ins = instructions[back]
            if not ins.loads:
                continue
            names = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
            for name in reversed(names):
                if ins.loads == "globals":
                    obj = frame.f_globals.get(name, _MISSING)
                else:
                    obj = frame.f_locals.get(name, _MISSING)
                if _attribute(obj, attr) is not _MISSING:
                    return obj
        return None

    def install(self, schedule: Schedule) -> None:
        """Run ``schedule``'s switch points from now on (the hook is set up once, at the first)."""
        self.schedule = schedule
        self.hook.start()

    def uninstall(self) -> None:
        self.schedule = None

    def close(self) -> None:
        self.hook.close()

    def instrument_thread(self, schedule: Schedule) -> None:
        """Watch the calling thread, one of the schedule's (only needed before 3.12)."""
        self.hook.enter_thread()

    def uninstrument_thread(self) -> None:
        self.hook.leave_thread()
