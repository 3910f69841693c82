"""Stand-in modules: what a fresh copy of the learner's module imports as ``threading``,
``time``, ``queue``, ``random`` and ``concurrent.futures``.

``threading`` and ``time`` are copies of the real modules with the primitives, threads, sleep
and clocks replaced by the explorer's; ``queue`` and ``concurrent.futures._base`` are private
copies of the standard library's source whose own imports see those stand-ins, so a queue
waits through the engine too; ``random`` is seeded by the schedule.
"""

from __future__ import annotations

import builtins
import random
import sys
import threading as _threading
import time as _time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kata.explorer.primitives import (
    _EPOCH_MONOTONIC,
    _EPOCH_WALL,
    Barrier,
    BoundedSemaphore,
    Condition,
    Event,
    Lock,
    RLock,
    Semaphore,
    Thread,
    _current_thread,
    _now,
    sleep,
)

_real_import = builtins.__import__


def _module(name: str, real: Any, **overrides: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
    module.__dict__.update(overrides)
    return module


def _stand_in_modules(rng: random.Random) -> dict[str, Any]:
    """The modules a fresh copy of the learner's module imports in place of the real ones.

    All but ``random`` are the same for every schedule (their primitives look up the running
    schedule when called), so they are built once; ``random`` is seeded by the schedule.
    """
    global _SHARED_STAND_INS
    if _SHARED_STAND_INS is None:
        _SHARED_STAND_INS = _shared_stand_ins()
    random_ = _module("random", random)
    for name in ("random", "uniform", "randint", "randrange", "choice", "choices", "shuffle", "sample", "gauss",
                 "expovariate", "triangular", "betavariate", "normalvariate", "getrandbits", "seed"):
        setattr(random_, name, getattr(rng, name))
    return {**_SHARED_STAND_INS, "random": random_}


_SHARED_STAND_INS: dict[str, Any] | None = None


def _shared_stand_ins() -> dict[str, Any]:
    threading_ = _module(
        "threading", _threading,
        Lock=Lock, RLock=RLock, Condition=Condition, Semaphore=Semaphore, BoundedSemaphore=BoundedSemaphore,
        Event=Event, Barrier=Barrier, Thread=Thread, current_thread=_current_thread, currentThread=_current_thread,
    )
    time_ = _module(
        "time", _time,
        sleep=sleep,
        monotonic=lambda: _EPOCH_MONOTONIC + _now(),
        perf_counter=lambda: _EPOCH_MONOTONIC + _now(),
        time=lambda: _EPOCH_WALL + _now(),
        monotonic_ns=lambda: int((_EPOCH_MONOTONIC + _now()) * 1e9),
        perf_counter_ns=lambda: int((_EPOCH_MONOTONIC + _now()) * 1e9),
        time_ns=lambda: int((_EPOCH_WALL + _now()) * 1e9),
    )
    fakes = {"threading": threading_, "time": time_}
    importer = _importer(fakes)
    queue_ = _reload("queue", importer)
    queue_.SimpleQueue = queue_._PySimpleQueue
    fakes["queue"] = queue_
    base = _reload("concurrent.futures._base", importer)
    futures_ = _module("concurrent.futures", sys.modules.get("concurrent.futures") or _real_import("concurrent.futures", fromlist=["_"]),
                       Future=base.Future, wait=base.wait, as_completed=base.as_completed)
    fakes["concurrent.futures"] = futures_
    fakes["concurrent"] = types.SimpleNamespace(futures=futures_)
    return fakes


def _reload(name: str, importer: Callable[..., Any]) -> types.ModuleType:
    """A private copy of a standard-library module whose imports see the stand-ins."""
    path = _real_import(name, fromlist=["_"]).__file__
    module = types.ModuleType(name)
    module.__dict__["__builtins__"] = dict(vars(builtins), __import__=importer)
    exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), module.__dict__)
    return module


def _importer(fakes: dict[str, Any]) -> Callable[..., Any]:
    def load(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if level == 0:
            if name in fakes and (fromlist or "." not in name):
                return fakes[name]
            if name.startswith("concurrent.") and not fromlist and "concurrent" in fakes:
                return fakes["concurrent"]
        return _real_import(name, globals, locals, fromlist, level)

    return load
