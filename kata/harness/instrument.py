"""The one module that hooks instructions of the learner's file: sys.monitoring on 3.12+, opcode tracing before.

Three users, three entry points:

* :func:`every_thread` — forced preemption: a hook before every instruction of some files, in
  every thread (3.12+) or in this thread and every thread started inside the block (3.10, 3.11);
* :class:`CodeHook` — the race explorer: ``callback(frame, offset)`` before every instruction of
  a given set of code objects, in the threads the explorer runs;
* :func:`this_thread` — the runaway guard: ``hook(frame)`` at every step the current thread
  takes in one file (a per-thread trace function on every version: see there why).

Nothing else in the kata registers a trace or monitoring callback. The originals
(``sys.settrace``, ``threading.settrace``, the ``sys.monitoring`` functions) are bound here, at
import, before any learner module runs, so learner code that replaces them (to switch off the
forced thread switches) does not change what the checks do. No callback ever raises into the
code it watches: a hook's exceptions are swallowed.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from types import CodeType, FrameType
from typing import Any

_sys_settrace = sys.settrace
_sys_gettrace = sys.gettrace
_threading_settrace = threading.settrace
_getframe = sys._getframe

#: PEP 669 monitoring (3.12+); None before it, where opcode tracing is used instead.
_monitoring = getattr(sys, "monitoring", None)
if _monitoring is not None:
    _get_tool = _monitoring.get_tool
    _use_tool_id = _monitoring.use_tool_id
    _free_tool_id = _monitoring.free_tool_id
    _register_callback = _monitoring.register_callback
    _set_events = _monitoring.set_events
    _set_local_events = _monitoring.set_local_events
    _restart_events = _monitoring.restart_events
    _INSTRUCTION = _monitoring.events.INSTRUCTION
    _DISABLE = _monitoring.DISABLE

#: Whether instructions are hooked through sys.monitoring (3.12+) rather than opcode tracing.
MONITORING = _monitoring is not None


def claim_monitoring_tool(name: str) -> int | None:
    """A free sys.monitoring tool id, taken under ``name``; None if every id is in use (or before 3.12)."""
    if _monitoring is None:
        return None
    for tool in (4, 3, 2, 1, 0):
        if _get_tool(tool) is None:
            _use_tool_id(tool, name)
            return tool
    return None


def _release_tool(tool: int) -> None:
    _set_events(tool, 0)
    _register_callback(tool, _INSTRUCTION, None)
    _free_tool_id(tool)
    _restart_events()  # locations a callback switched off come back for the next hook


# --------------------------------------------------------------------------- every thread, by file


@contextlib.contextmanager
def every_thread(files: Iterable[str], hook: Callable[[], object]) -> Iterator[None]:
    """Call ``hook()`` before every instruction of ``files`` while the block runs.

    3.12+: in every thread, through sys.monitoring; instructions of other files switch
    themselves off after their first event, so the rest of the program runs at full speed.
    3.10, 3.11: in this thread and in every thread started inside the block, through opcode
    tracing, only while a thread runs code of ``files``. The hook's exceptions are swallowed.
    """
    files = frozenset(files)
    if _monitoring is not None:
        with _instruction_hook(files, hook):
            yield
    else:
        with _opcode_tracing(files, hook):
            yield


@contextlib.contextmanager
def _opcode_tracing(files: frozenset[str], hook: Callable[[], object]) -> Iterator[None]:
    def local(frame: Any, event: str, arg: Any) -> Any:
        try:
            if event == "opcode":
                hook()
        except BaseException:
            pass
        return local

    def global_trace(frame: Any, event: str, arg: Any) -> Any:
        try:
            if frame.f_code.co_filename in files:
                frame.f_trace_opcodes = True
                return local
        except BaseException:
            pass
        return None

    # Thread start-up calls sys.settrace by name: undo any replacement so new threads are traced.
    sys.settrace, threading.settrace = _sys_settrace, _threading_settrace  # type: ignore[assignment]
    old_trace = _sys_gettrace()
    _threading_settrace(global_trace)
    _sys_settrace(global_trace)
    try:
        yield
    finally:
        _sys_settrace(old_trace)
        _threading_settrace(None)  # type: ignore[arg-type]


@contextlib.contextmanager
def _instruction_hook(files: frozenset[str], hook: Callable[[], object]) -> Iterator[None]:
    tool = claim_monitoring_tool("threadkata preempt")
    if tool is None:
        yield
        return
    disable = _DISABLE

    def on_instruction(code: Any, offset: int) -> Any:
        try:
            if code.co_filename not in files:
                return disable
            hook()
        except BaseException:
            pass
        return None

    _register_callback(tool, _INSTRUCTION, on_instruction)
    _set_events(tool, _INSTRUCTION)
    try:
        yield
    finally:
        _release_tool(tool)


# --------------------------------------------------------------------------- given code objects


class CodeHook:
    """``callback(frame, offset)`` before every instruction of ``codes``: the explorer's switch points.

    3.12+: :meth:`start` claims a monitoring tool and turns on instruction events for exactly
    those code objects, in every thread, until :meth:`close`. 3.10, 3.11: each thread that
    should be watched calls :meth:`enter_thread` (and :meth:`leave_thread` when done), which
    traces that thread's frames of ``codes`` opcode by opcode. The callback's exceptions are
    swallowed. If no monitoring tool is free, nothing is hooked.
    """

    def __init__(self, codes: Collection[CodeType], callback: Callable[[FrameType, int], object],
                 name: str = "threadkata explorer") -> None:
        self.codes = codes
        self.callback = callback
        self.name = name
        self._tool: int | None = None

    def start(self) -> None:
        """Begin watching (3.12+); starting again while started does nothing."""
        if _monitoring is None or self._tool is not None:
            return
        self._tool = claim_monitoring_tool(self.name)
        if self._tool is None:
            return
        getframe, call = _getframe, self.callback

        def on_instruction(code: Any, offset: int) -> None:
            try:
                call(getframe(1), offset)
            except BaseException:
                pass

        _register_callback(self._tool, _INSTRUCTION, on_instruction)
        for code in self.codes:
            _set_local_events(self._tool, code, _INSTRUCTION)

    def close(self) -> None:
        """Stop watching and give the monitoring tool back."""
        if _monitoring is not None and self._tool is not None:
            for code in self.codes:
                _set_local_events(self._tool, code, 0)
            _register_callback(self._tool, _INSTRUCTION, None)
            _free_tool_id(self._tool)
            self._tool = None

    def enter_thread(self) -> None:
        """Watch the current thread (3.10, 3.11; under sys.monitoring every thread is watched)."""
        if _monitoring is not None:
            return
        codes, call = self.codes, self.callback

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "opcode":
                try:
                    call(frame, frame.f_lasti)
                except BaseException:
                    pass
            return local

        def global_trace(frame: Any, event: str, arg: Any) -> Any:
            try:
                if frame.f_code in codes:
                    frame.f_trace_opcodes = True
                    return local
            except BaseException:
                pass
            return None

        _sys_settrace(global_trace)

    def leave_thread(self) -> None:
        """Stop watching the current thread (3.10, 3.11)."""
        if _monitoring is None:
            _sys_settrace(None)


# --------------------------------------------------------------------------- this thread, one file


@contextlib.contextmanager
def this_thread(file: str, hook: Callable[[FrameType], object]) -> Iterator[None]:
    """Call ``hook(frame)`` at every step the current thread takes in ``file`` while the block runs.

    A step is a line or opcode event of this thread's trace function, on every version: under
    sys.monitoring a loop written on one line raises no LINE event per round, and counting
    instructions instead would move where a runaway thread is reported, so the guard keeps the
    per-thread trace (3.12+ delivers its line events; 3.10, 3.11 its opcodes too). Blocks nest:
    an inner one hides the outer one until it ends. The hook may block (to park a runaway
    thread); its exceptions are swallowed.
    """
    with _traced_thread(file, hook):
        yield


@contextlib.contextmanager
def _traced_thread(file: str, hook: Callable[[FrameType], object]) -> Iterator[None]:
    def local(frame: Any, event: str, arg: Any) -> Any:
        try:
            if event == "line" or event == "opcode":
                hook(frame)
        except BaseException:
            pass
        return local

    def global_trace(frame: Any, event: str, arg: Any) -> Any:
        try:
            if frame.f_code.co_filename == file:
                frame.f_trace_opcodes = True
                return local
        except BaseException:
            pass
        return None

    old = _sys_gettrace()
    _sys_settrace(global_trace)
    try:
        yield
    finally:
        _sys_settrace(old)
