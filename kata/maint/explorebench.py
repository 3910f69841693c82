"""Measure the race explorer against the kata's own variants: a measurement, not a test.

    python -m kata.maint.explorebench [NN ...] [--schedules 1000] [--replays 20] [--json FILE]
    python -m kata.maint.explorebench [NN ...] --rates 200       # the share of seeds that find each mutant
    python -m kata.maint.explorebench [NN ...] --survival 100    # replays that survive an added print

For every exercise whose checks declare race-explorer scenarios (``@scenario`` in its test file):

* each mutant a scenario names in ``finds=`` must be found by that scenario within
  ``explore.SCHEDULES`` schedules: the table shows the schedule and the seconds it took;
* the reference solution and every alternative run ``--schedules`` schedules of every scenario,
  which must all pass (a failure there is a false alarm);
* the failing schedule of each mutant is replayed ``--replays`` times, and every replay must
  print the identical message and trace.

With ``--survival SEEDS``, instead: for each mutant the explorer must find, every one of seeds
1 … SEEDS that fails is replayed on a copy of the mutant with ``print("here")`` added as the first
line of the method under test, and must fail the same way (the same message, the same steps).

Run it under each Python version to fill the README's table (``nox -s explore-bench`` does).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.util
import io
import json
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kata import catalogue
from kata import explorer as explore
from kata.harness.scenarios import Scenario, scenarios_in
from kata.maint import selfcheck


def scenarios_of(exercise: catalogue.Exercise) -> tuple[list[Scenario], list[str]]:
    """The exercise's registered explorer scenarios (``@scenario`` in its check file), and every
    mutant one of them must find."""
    module = sys.modules.get(exercise.test_file.stem)
    if module is None:  # loaded by path: the checks folder is not a package
        spec = importlib.util.spec_from_file_location(exercise.test_file.stem, exercise.test_file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    registered = scenarios_in(module)
    return registered, sorted({stem for s in registered for stem in s.finds})


def explored(numbers: list[str]) -> list[catalogue.Exercise]:
    """The selected exercises whose checks declare explorer scenarios."""
    return [e for e in selfcheck.selected(numbers) if scenarios_of(e)[0]]


def same_failure(a: explore.Execution | None, b: explore.Execution | None) -> bool:
    """Whether two runs failed with the identical message and trace."""
    return a is not None and b is not None and (a.message, explore.render(a)) == (b.message, explore.render(b))


@dataclass
class Finding:
    mutant: str
    scenario: str = ""
    schedule: int = 0  # the schedule that failed, counting from 1 (schedule 0 is the first)
    seconds: float = 0.0
    seed: int | None = None
    replays_identical: int = 0
    replays: int = 0


@dataclass
class Result:
    exercise: str
    python: str = platform.python_version()
    findings: list[Finding] = field(default_factory=list)
    correct: dict[str, dict[str, object]] = field(default_factory=dict)  # variant -> scenario -> outcome

    @property
    def problems(self) -> list[str]:
        found = [f"{self.exercise} mutant {f.mutant} not found" for f in self.findings if f.seed is None]
        replays = [f"{self.exercise} mutant {f.mutant}: {f.replays_identical}/{f.replays} replays identical"
                   for f in self.findings if f.seed is not None and f.replays_identical != f.replays]
        alarms = [f"{self.exercise} {variant} / {scenario}: {outcome}"
                  for variant, outcomes in self.correct.items() for scenario, outcome in outcomes.items() if outcome != "ok"]
        return found + replays + alarms


def measure(exercise: catalogue.Exercise, schedules: int, replays: int) -> Result:
    scenarios, finds = scenarios_of(exercise)
    result = Result(exercise.stem)
    mutants = {m.stem: m for m in exercise.mutants()}
    for stem in finds:
        finding = Finding(stem)
        for scenario in scenarios:
            if stem not in scenario.finds:
                continue  # each mutant is held to the scenarios that say they find it
            report = explore.explore(mutants[stem], scenario.plan(), budget=float("inf"))
            if report.found is None:
                continue
            finding.scenario, finding.schedule, finding.seconds, finding.seed = scenario.name, report.schedules, report.seconds, report.found.seed
            same = 0
            for _ in range(replays):
                again = explore.explore(mutants[stem], scenario.plan(), replay=report.found.seed, budget=float("inf"))
                same += same_failure(again.found, report.found)
            finding.replays, finding.replays_identical = replays, same
            break
        result.findings.append(finding)
    variants = {"solution": catalogue.SOLUTIONS / f"{exercise.stem}.py"}
    variants.update({a.stem: a for a in exercise.alternatives()})
    for name, path in variants.items():
        outcomes: dict[str, object] = {}
        for scenario in scenarios:
            report = explore.explore(path, scenario.plan(), schedules=schedules, budget=float("inf"))
            if report.found is not None:
                outcomes[scenario.name] = f"FALSE ALARM at seed {report.found.seed}: {report.found.message.splitlines()[0]}"
            elif report.stopped:
                outcomes[scenario.name] = f"stopped after {report.schedules} schedules: {report.stopped}"
            else:
                outcomes[scenario.name] = "ok"
        result.correct[name] = outcomes
    return result


def hit_rate(path: Path, scenario: Scenario, seeds: int) -> float:
    """The share of seeds 1 … ``seeds`` whose schedule fails: how surely a bug of this shape is found."""
    program = explore.Program(path)
    try:
        probe = explore.run_schedule(program, scenario.plan(), 0)
        if probe.failed:
            return 1.0
        failed = sum(explore.run_schedule(program, scenario.plan(), seed, probe).failed for seed in range(1, seeds + 1))
        return failed / seeds
    finally:
        program.close()


def rates(exercise: catalogue.Exercise, seeds: int) -> dict[str, float]:
    """For each mutant the explorer must find, the best hit rate over the exercise's scenarios."""
    scenarios, finds = scenarios_of(exercise)
    mutants = {m.stem: m for m in exercise.mutants()}
    return {stem: max(hit_rate(mutants[stem], scenario, seeds) for scenario in scenarios) for stem in finds}


#: The line the replay-survival measurement adds as the first statement of the method under test.
ADDED_LINE = 'print("here")'


def with_added_print(path: Path, run: explore.Execution, folder: Path) -> tuple[Path, int]:
    """A copy of ``path`` in ``folder`` (same file name) with ``ADDED_LINE`` as the first statement
    of the method under test: the function of the file the failing run took the most steps in.
    Returns the copy and the number of the added line."""
    source = path.read_text(encoding="utf-8")
    functions = [node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def steps_in(node: ast.AST) -> int:
        inner = [f for f in functions if f is not node and node.lineno < f.lineno and f.end_lineno <= node.end_lineno]
        return sum(node.lineno <= step.line <= node.end_lineno and not any(f.lineno <= step.line <= f.end_lineno for f in inner)
                   for step in run.trace)

    under_test = max(functions, key=steps_in)
    body = under_test.body
    first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
        and isinstance(body[0].value.value, str) else body[0]
    lines = source.splitlines(keepends=True)
    indent = re.match(r"\s*", lines[first.lineno - 1]).group(0)
    lines.insert(first.lineno - 1, f"{indent}{ADDED_LINE}\n")
    copy = folder / path.name
    copy.write_text("".join(lines), encoding="utf-8")
    return copy, first.lineno


def story_of(run: explore.Execution, added: int = 0) -> tuple[str, list[tuple[str, str, tuple[str, ...]]]]:
    """A run's message and steps as (thread, source, notes), with the line numbers of a copy that has a
    line added at ``added`` read as the original's, and the added line's own steps left out."""
    program = run.program

    def moved_back(text: str) -> str:
        return re.sub(r"\bline (\d+)", lambda m: f"line {int(m.group(1)) - (0 < added < int(m.group(1)))}", text)

    steps = [(step.thread, program.source_of(step.line) if program else "", tuple(map(moved_back, step.notes)))
             for step in run.trace if not (added and step.line == added)]
    return moved_back(run.message), steps


def survival_of(path: Path, scenario: Scenario, seeds: int) -> Counter:
    """Replay every one of seeds 1 … ``seeds`` that fails ``scenario`` on ``path``, on a copy with one
    added ``print`` (see ``with_added_print``): how many fail the same way (the same message and the
    same steps, the added line's aside), with the same first sentence but other steps, another way,
    or not at all."""
    tally: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="threadkata-survival-") as folder, contextlib.redirect_stdout(io.StringIO()):
        for seed in range(1, seeds + 1):
            before = explore.explore(path, scenario.plan(), replay=seed).found
            if before is None:
                continue
            copy, added = with_added_print(path, before, Path(folder))
            after = explore.explore(copy, scenario.plan(), replay=seed).found
            if after is None:
                tally["none"] += 1
            elif story_of(after, added) == story_of(before):
                tally["same"] += 1
            elif after.message.splitlines()[0] == before.message.splitlines()[0]:
                tally["same message, other steps"] += 1
            else:
                tally["other"] += 1
    return tally


def survival(exercise: catalogue.Exercise, seeds: int) -> dict[str, Counter]:
    """``survival_of`` each mutant the explorer must find, under the first scenario that must find it."""
    scenarios, finds = scenarios_of(exercise)
    mutants = {m.stem: m for m in exercise.mutants()}
    return {stem: survival_of(mutants[stem], next(s for s in scenarios if stem in s.finds), seeds) for stem in finds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.maint.explorebench", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--schedules", type=int, default=1000, help="schedules per scenario for solutions and alternatives")
    parser.add_argument("--replays", type=int, default=20, help="replays of each mutant's failing seed")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--rates", type=int, default=0, metavar="SEEDS",
                        help="instead, print each mutant's hit rate: the share of SEEDS seeds that find it")
    parser.add_argument("--survival", type=int, default=0, metavar="SEEDS",
                        help="instead, replay each mutant's failing seeds among SEEDS after adding one print to the method under test")
    args = parser.parse_args(argv)
    exercises = explored(args.exercises)
    if args.survival:
        lost = 0
        for exercise in exercises:
            for stem, tally in survival(exercise, args.survival).items():
                failing = sum(tally.values())
                lost += failing - tally["same"]
                rest = ", ".join(f"{count} {kind}" for kind, count in sorted(tally.items()) if kind != "same")
                print(f"{exercise.number} {stem:<36} {tally['same']:3} of {failing:3} failing seeds fail the same way"
                      + (f" ({rest})" if rest else ""), flush=True)
        return 1 if lost else 0
    if args.rates:
        for exercise in exercises:
            for stem, rate in rates(exercise, args.rates).items():
                missed = (1 - rate) ** (explore.SCHEDULES - 1)
                print(f"{exercise.number} {stem:<36} {rate:6.1%} of seeds; P(missed in {explore.SCHEDULES} schedules) = {missed:.1e}", flush=True)
        return 0
    print(f"Python {platform.python_version()}: mutants found (schedule, seconds); "
          f"{args.schedules} schedules per scenario on correct code; {args.replays} replays per failure.\n")
    print("| exercise | mutants found | slowest find | correct variants × scenarios | replays identical | bench time |")
    print("|---|---|---|---|---|---|")
    results, problems = [], []
    for exercise in exercises:
        started = time.perf_counter()
        result = measure(exercise, args.schedules, args.replays)
        results.append(result)
        problems += result.problems
        found = [f for f in result.findings if f.seed is not None]
        slowest = max(found, key=lambda f: (f.schedule, f.seconds), default=None)
        slow = f"schedule {slowest.schedule}, {slowest.seconds:.2f} s ({slowest.mutant})" if slowest else "-"
        clean = sum(o == "ok" for outcomes in result.correct.values() for o in outcomes.values())
        total = sum(len(o) for o in result.correct.values())
        same = sum(f.replays_identical for f in found)
        tried = sum(f.replays for f in found)
        print(f"| {exercise.number} {exercise.title} | {len(found)}/{len(result.findings)} | {slow} | {clean}/{total} clean "
              f"| {same}/{tried} | {time.perf_counter() - started:.0f} s |", flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
