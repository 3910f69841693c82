"""Race-explorer scenarios, declared once: the decorator that registers one, makes its check, and
names the mutants it must find.

A check file writes::

    @scenario("test_explorer_finds_no_lost_update", finds=["no_lock", "separate_locks"])
    def two_threads_increment_twice():
        '''Threads A and B each call increment() twice on Counter(0); nothing may be lost.'''
        def plan(module): ...
        return plan

and gets a check ``test_explorer_finds_no_lost_update(exercise, explorer)`` that runs the plan under
the explorer (``--replay SEED`` included). The benchmark (``kata.maint.explorebench``) and the
explorer matrix read the same registry: which scenarios an exercise has, and which mutant each
must find on its own, whatever the real-thread checks do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Scenario:
    """One registered scenario: its factory, the check made from it, and the mutants it must find."""

    factory: Callable[[], Callable[[ModuleType], Any]]
    check: str
    finds: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.factory.__name__

    def plan(self) -> Callable[[ModuleType], Any]:
        """A fresh scenario (what ``explore.explore`` runs against a program)."""
        return self.factory()


#: Every check module's scenarios, in the order they are declared, by module name and check name.
_registry: dict[str, dict[str, Scenario]] = {}


def scenario(check: str, finds: Iterable[str] = ()) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register the decorated scenario factory and add the check named ``check`` to its module.

    ``finds`` names the exercise's mutants this scenario must find (the explorer matrix holds it
    to that). The factory takes no argument and returns the scenario the explorer runs.
    """
    if not check.startswith("test_explorer_"):
        raise ValueError(f"an explorer check is named test_explorer_…, not {check!r}")
    namespace = sys._getframe(1).f_globals

    def register(factory: Callable[[], Any]) -> Callable[[], Any]:
        module = namespace["__name__"]
        if check in namespace:
            raise ValueError(f"{module} already has a {check}")
        entry = Scenario(factory, check, tuple(finds))
        _registry.setdefault(module, {})[check] = entry

        def run(exercise: ModuleType, explorer: Callable[..., Any]) -> None:
            explorer(entry.plan())  # no __tracebackhide__: with every frame hidden pytest says so under the message

        run.__name__ = run.__qualname__ = check
        run.__module__ = module
        run.__doc__ = factory.__doc__
        namespace[check] = run
        return factory

    return register


def scenarios_in(module: ModuleType | str) -> list[Scenario]:
    """The scenarios a check module declared, in order (none if it declared none)."""
    name = module if isinstance(module, str) else module.__name__
    return list(_registry.get(name, {}).values())
