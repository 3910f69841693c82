"""The sharded grading workflow (.github/workflows/grade-class.yml): its shell scripts, run here.

GitHub Actions itself does not run here; what can run is the workflow's own grading and merging
scripts, read out of the file, with the variables the workflow gives them. On a tiny class they
must give the gradebook that one unsharded run of the grader gives.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from kata import catalogue, settings

# Python-independent tooling: `nox -s tests` runs these on one interpreter only.
pytestmark = pytest.mark.tooling

WORKFLOW = catalogue.ROOT / ".github" / "workflows" / "grade-class.yml"
EX01 = catalogue.find("01")


def step_script(text: str, step_id: str) -> str:
    """The ``run: |`` block of the step with ``id: step_id``, as the runner's shell receives it."""
    lines = text.splitlines()
    [at] = [i for i, line in enumerate(lines) if line.strip() == f"id: {step_id}"]
    run = next(i for i in range(at, len(lines)) if lines[i].strip() == "run: |")
    body = []
    for line in lines[run + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= len(lines[run]) - len(lines[run].lstrip()):
            break
        body.append(line)
    indent = min(len(line) - len(line.lstrip()) for line in body if line.strip())
    return "\n".join(line[indent:] for line in body).strip() + "\n"


def run_script(script: str, cwd, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"], "PYTHONPATH": str(catalogue.ROOT), **env}
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def test_the_workflow_shards_grades_and_merges_on_the_pinned_tools():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "\t" not in text
    try:
        import yaml  # PyYAML, where it is installed: the file parses and the scripts are the ones run below
    except ImportError:
        pass
    else:
        workflow = yaml.safe_load(text)
        assert set(workflow[True]["workflow_dispatch"]["inputs"]) >= {"submissions", "shards"}  # PyYAML reads `on` as True
        steps = {s.get("id"): s for job in workflow["jobs"].values() for s in job["steps"]}
        assert steps["grade"]["run"] == step_script(text, "grade") and steps["merge"]["run"] == step_script(text, "merge")
        assert workflow["jobs"]["merge"]["needs"] == "grade" and "matrix" in workflow["jobs"]["grade"]["strategy"]
    assert '--shard "$SHARD/$SHARDS"' in step_script(text, "grade") and "python -m grader merge" in step_script(text, "merge")
    assert set(re.findall(r'python-version: "([\d.]+)"', text)) == {settings.TOOLING_PYTHON}
    assert "settings.REQUIREMENTS" in text


@pytest.mark.timeout(300)
def test_grading_in_shards_and_merging_gives_the_gradebook_of_one_unsharded_run(tmp_path):
    text = WORKFLOW.read_text(encoding="utf-8")
    class_ = tmp_path / "class"
    answers = {"ann": EX01.solution_file, "ben": EX01.stub_file, "cai": EX01.mutants()[0]}
    for name, answer in answers.items():
        (class_ / name).mkdir(parents=True)
        shutil.copyfile(answer, class_ / name / f"{EX01.stem}.py")
    for shard in ("1", "2"):
        run_script(step_script(text, "grade"), tmp_path, SUBMISSIONS="class", SHARD=shard, SHARDS="2", EXERCISES="01")
    shards = [json.loads((tmp_path / "shards" / f"shard-{k}.json").read_text())["submissions"] for k in (1, 2)]
    assert sorted(len(s) for s in shards) == [1, 2]
    run_script(step_script(text, "merge"), tmp_path, ROSTER="")

    whole = tmp_path / "whole"
    whole.mkdir()
    folders = sorted(str(p) for p in class_.iterdir())
    command = [sys.executable, "-m", "grader", *folders, "--exercises", "01", "--jobs", "2", "--no-preflight", "--csv", str(whole / "gradebook.csv")]
    subprocess.run(command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(catalogue.ROOT)}, capture_output=True, timeout=300, check=True)
    merged = (tmp_path / "gradebook" / "gradebook.csv").read_text(encoding="utf-8")
    assert merged == (whole / "gradebook.csv").read_text(encoding="utf-8")
    assert [line.split(",")[0] for line in merged.splitlines()[1:]] == sorted(answers)
    assert (tmp_path / "gradebook" / "reports" / "index.html").is_file()
