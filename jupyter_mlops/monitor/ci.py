"""``monitor ci``: a scheduled GitHub Actions workflow that runs a monitor and fails on an alert.

``jupyter mlops monitor run NAME`` exits 1 when the monitor alerts, which
fails the job (and whatever notifies on failed jobs); the JSON result is kept
as an artifact. The store is the team store of the ``MLOPS_TRACKING_URI``
repository secret: a monitor has nothing to check in an empty embedded store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..pipeline.ci import check_cron, workflow_text
from .monitors import get_monitor

DEFAULT_SCHEDULE = "0 * * * *"


def monitor_workflow(
    name: str,
    *,
    schedule: str = DEFAULT_SCHEDULE,
    python: str = "3.11",
    install: str = 'pip install -e ".[postgres]"',
) -> dict[str, Any]:
    """The workflow as a mapping (what ``write_monitor_workflow`` dumps to YAML)."""
    output = f"mlops-output/monitor-{name}.json"
    run = f"mkdir -p mlops-output\njupyter mlops monitor run {name} --json | tee {output}"
    steps = [
        {"name": "Check out", "uses": "actions/checkout@v4"},
        {"name": "Set up Python", "uses": "actions/setup-python@v5",
         "with": {"python-version": python}},
        {"name": "Install the project", "run": f"python -m pip install --upgrade pip\n{install}"},
        {"name": f"Run monitor {name}", "shell": "bash -o pipefail {0}", "run": run,
         "env": {"MLOPS_TRACKING_URI": "${{ secrets.MLOPS_TRACKING_URI }}"}},
        {"name": "Upload the checks", "if": "always()", "uses": "actions/upload-artifact@v4",
         "with": {"name": f"mlops-monitor-{name}", "path": output, "if-no-files-found": "warn"}},
    ]  # fmt: skip
    return {
        "name": f"mlops monitor {name}",
        "on": {"workflow_dispatch": {}, "schedule": [{"cron": check_cron(schedule)}]},
        "jobs": {"monitor": {"runs-on": "ubuntu-latest", "timeout-minutes": 30, "steps": steps}},
    }


def write_monitor_workflow(
    name: str,
    *,
    schedule: str = DEFAULT_SCHEDULE,
    root: str | os.PathLike | None = None,
    python: str = "3.11",
    install: str = 'pip install -e ".[postgres]"',
) -> Path:
    """Write ``<root>/.github/workflows/mlops-monitor-NAME.yml``; returns its path."""
    info = get_monitor(name)  # NotFound names an undeclared monitor
    data = monitor_workflow(info.name, schedule=schedule, python=python, install=install)
    target = Path(root or Path.cwd()).resolve() / ".github" / "workflows"
    target = target / f"mlops-monitor-{info.name}.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow_text(data, "jupyter mlops monitor ci"), encoding="utf-8")
    return target
