"""``jupyter mlops`` stays light: a command imports what it needs when it runs."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_python

HEAVY = ["nbformat", "jsonschema", "papermill", "sklearn", "scipy", "plotly", "skops"]

CODE = """
import json, sys
import jupyter_mlops.cli as cli
loaded = {{"import": [m for m in {heavy!r} if m in sys.modules]}}
try:
    cli.main({args!r}, standalone_mode=False)
except SystemExit:
    pass
loaded["command"] = [m for m in {heavy!r} if m in sys.modules]
print(json.dumps(loaded))
"""


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["runs", "list"], ["experiments", "list"]]
)
def test_cli_imports_none_of_the_heavy_modules(mlops_home, args):
    proc = run_python(CODE.format(heavy=HEAVY, args=args))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"import": [], "command": []}


def test_top_level_help_lists_every_command_with_its_own_summary(mlops_home):
    import click
    from click.testing import CliRunner

    from jupyter_mlops.cli import COMMANDS, main

    res = CliRunner().invoke(main, ["--help"])
    assert res.exit_code == 0
    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(COMMANDS)
    for name, (_, _, summary) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=500).startswith(summary), name
        assert f"{name}  " in res.output and summary[:30] in res.output


def test_runs_list_on_a_current_store_skips_alembic_and_fsspec(store):
    """Opening a store whose schema is current needs neither (about 100 ms of imports)."""
    proc = run_python(CODE.format(heavy=["alembic", "fsspec", "mako"], args=["runs", "list"]))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"import": [], "command": []}
