"""``pipeline ci``: a GitHub Actions workflow that runs a pipeline and keeps its output notebook.

The job installs the project, registers a Python kernel, runs the pipeline
with its defaults (``pipeline run`` exits 1 on a failed cell or gate, which
fails the job) and uploads the output notebook even when the run failed. A
``MLOPS_TRACKING_URI`` repository secret, when set, sends the run to the team
store; otherwise it is recorded in an embedded store inside the job.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidArgument
from .spec import PipelineSpec, find_pipeline

_CRON_FIELD = re.compile(r"^[0-9*/,\-A-Za-z?LW#]+$")


def check_cron(expr: str) -> str:
    fields = expr.split() if isinstance(expr, str) else []
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise InvalidArgument("schedule", "a 5-field cron expression such as '0 6 * * 1'", expr)
    return " ".join(fields)


def workflow(
    spec: PipelineSpec,
    *,
    schedule: str | None = None,
    python: str = "3.11",
    install: str = 'pip install -e ".[postgres]"',
    pipeline_ref: str | None = None,
) -> dict[str, Any]:
    """The workflow as a mapping (what ``write_workflow`` dumps to YAML)."""
    name = spec.name
    ref = pipeline_ref or f"pipelines/{name}"
    on: dict[str, Any] = {
        "workflow_dispatch": {},
        "push": {"paths": [f"{ref}/**"]},
    }
    if schedule:
        on["schedule"] = [{"cron": check_cron(schedule)}]
    output = f"mlops-output/{name}.ipynb"
    steps = [
        {"name": "Check out", "uses": "actions/checkout@v4"},
        {
            "name": "Set up Python",
            "uses": "actions/setup-python@v5",
            "with": {"python-version": python},
        },
        {"name": "Install the project", "run": f"python -m pip install --upgrade pip\n{install}"},
        {
            "name": "Register a Python kernel",
            "run": "python -m ipykernel install --user --name python3",
        },
        {
            "name": f"Run pipeline {name}",
            "id": "pipeline",
            "run": f"jupyter mlops pipeline run {ref} --output {output} --force",
            "env": {"MLOPS_TRACKING_URI": "${{ secrets.MLOPS_TRACKING_URI }}"},
        },
        {
            "name": "Upload the output notebook",
            "if": "always()",
            "uses": "actions/upload-artifact@v4",
            "with": {"name": f"mlops-{name}-output", "path": output, "if-no-files-found": "warn"},
        },
    ]
    return {
        "name": f"mlops pipeline {name}",
        "on": on,
        "jobs": {
            "pipeline": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 120,
                "steps": steps,
            }
        },
    }


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def workflow_text(data: dict[str, Any], written_by: str) -> str:
    """A workflow as YAML (multi-line scripts as block scalars) under a one-line header."""
    dumped = yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=100)
    return f"# Written by `{written_by}`; edit freely.\n" + dumped


def write_workflow(
    pipeline: str | os.PathLike | PipelineSpec,
    *,
    schedule: str | None = None,
    root: str | os.PathLike | None = None,
    python: str = "3.11",
    install: str = 'pip install -e ".[postgres]"',
) -> Path:
    """Write ``<root>/.github/workflows/mlops-NAME.yml``; returns its path."""
    spec = pipeline if isinstance(pipeline, PipelineSpec) else find_pipeline(pipeline)
    base = Path(root or Path.cwd()).resolve()
    try:
        ref = spec.folder.relative_to(base).as_posix()
    except ValueError:
        raise InvalidArgument(
            "root", f"the repository folder that holds {spec.folder}", str(base)
        ) from None
    data = workflow(spec, schedule=schedule, python=python, install=install, pipeline_ref=ref)
    target = base / ".github" / "workflows" / f"mlops-{spec.name}.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow_text(data, "jupyter mlops pipeline ci"), encoding="utf-8")
    return target
