"""The one per-file instruction hook: sys.monitoring on 3.12+, opcode tracing before; never raises in a callback."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kata.explorer import claim_monitoring_tool

# Bound before any learner module is imported, so learner code that replaces them (to switch
# off the forced thread switches) does not change what the checks do.
_sys_settrace = sys.settrace
_threading_settrace = threading.settrace


@contextlib.contextmanager
def _opcode_tracing(files: frozenset[str], hook: Callable[[], object]) -> Iterator[None]:
    """Call ``hook`` before every opcode of ``files`` in threads started inside the block (3.10, 3.11).

    The hook's exceptions are swallowed: a trace function must never raise.
    """

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
    old_trace = sys.gettrace()
    _threading_settrace(global_trace)
    _sys_settrace(global_trace)
    try:
        yield
    finally:
        _sys_settrace(old_trace)
        _threading_settrace(None)  # type: ignore[arg-type]


@contextlib.contextmanager
def _instruction_hook(files: frozenset[str], hook: Callable[[], object]) -> Iterator[None]:
    """Call ``hook`` before every instruction of ``files``, in every thread, through sys.monitoring.

    Instructions of other files switch themselves off after their first event, so the rest of
    the program runs at full speed. The hook's exceptions are swallowed: a monitoring callback
    must never raise into the code it watches.
    """
    monitoring = sys.monitoring  # type: ignore[attr-defined]
    tool = claim_monitoring_tool("threadkata preempt")
    if tool is None:
        yield
        return
    disable = monitoring.DISABLE

    def on_instruction(code: Any, offset: int) -> Any:
        try:
            if code.co_filename not in files:
                return disable
            hook()
        except BaseException:
            pass
        return None

    monitoring.register_callback(tool, monitoring.events.INSTRUCTION, on_instruction)
    monitoring.set_events(tool, monitoring.events.INSTRUCTION)
    try:
        yield
    finally:
        monitoring.set_events(tool, 0)
        monitoring.register_callback(tool, monitoring.events.INSTRUCTION, None)
        monitoring.free_tool_id(tool)
        monitoring.restart_events()  # locations switched off above come back for the next hook
