"""The learner's program: its file compiled once, fresh instrumented copies of its module, and
the instruction callback that makes switch points and records what each step read and wrote."""

from __future__ import annotations

import builtins
import dis
import random
import sys
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
#: Calls, which run other code (KW_NAMES: 3.12's keyword names of the call that follows).
_CALLS = _family("CALL", "PRECALL") | _ops("KW_NAMES")
#: Items and slices read or written, membership tests, iteration; SET_FUNCTION_ATTRIBUTE (3.13+)
#: sets an attribute of a function being made.
_ITEMS = _ops("BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE", "STORE_SLICE", "BUILD_SLICE",
              "CONTAINS_OP", "FOR_ITER", "SET_FUNCTION_ATTRIBUTE")
#: Instructions before which a switch can matter: they read or write shared state or run other code.
_SHARED = _NAMED | _CELLS | _CALLS | _ITEMS
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

    @classmethod
    def of(cls, ins: dis.Instruction, index: int) -> _Instruction:
        op = ins.opcode
        shared = op in _SHARED or (ins.opname == "BINARY_OP" and ins.argrepr == _SUBSCRIPT_OP)
        back = not shared and op in _JUMPS and isinstance(ins.argval, int) and ins.argval < ins.offset
        loads = "globals" if op in _GLOBAL_LOADS else "locals" if op in _LOCAL_LOADS else ""
        return cls(ins.opname, ins.argval, index, shared, op in _WRITES, back, loads)


class Program:
    """The learner's file, compiled once, and the instrumentation that makes its switch points."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        source = Path(path).read_text(encoding="utf-8")
        self.lines = source.splitlines()
        self.code = compile(source, self.path, "exec")
        self.codes: dict[Any, dict[int, _Instruction]] = {}
        self.instructions: dict[Any, list[_Instruction]] = {}
        self._collect(self.code)
        self.name = Path(path).stem
        self.hook = CodeHook(self.codes, self.on_instruction, "threadkata explorer")
        self.schedule: Schedule | None = None

    def _collect(self, code: Any) -> None:
        instructions = list(dis.get_instructions(code))
        infos = [_Instruction.of(ins, index) for index, ins in enumerate(instructions)]
        self.instructions[code] = infos
        self.codes[code] = {ins.offset: info for ins, info in zip(instructions, infos)}
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                self._collect(const)

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
            if info.shared:
                # First, so what is read below is what the instruction will see. Steps that
                # write are where preemptions are drawn from (see Schedule).
                schedule.point(me, writes=info.writes)
                if schedule.aborted:
                    return
            note = access = None
            if opname == "LOAD_ATTR" or opname == "STORE_ATTR":
                owner = self._owner(frame, index, argval)
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
