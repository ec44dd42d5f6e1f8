"""``jupyter mlops ...`` (the ``jupyter-mlops`` executable).

Each command parses its arguments and calls one core function. Exit codes:
0 success; 1 a check failed (drift found, violations, a failed gate or
pipeline); 2 bad input or an error the user can fix (the message says how).

Commands load on first use: ``jupyter mlops --help`` lists them from the
table below without importing the data, registry or pipeline stacks (scipy,
nbformat's jsonschema, papermill take seconds), so every call pays only for
the command it runs. ``tests/cli/test_import.py`` keeps the summaries here
equal to the commands' own.
"""

from __future__ import annotations

import importlib
import sys

import click

from ..errors import MlopsError

# name -> (module in this package, attribute, summary for the top-level help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "alias": ("models", "alias", "Set or delete a model alias (every move is recorded)."),
    "artifacts": ("runs", "artifacts", "Files logged by runs: list or download them."),
    "drift": ("data", "drift_cmd", "Compare CURRENT to REFERENCE (snapshot refs or CSV/Parquet"),
    "evaluate": (
        "evaluate",
        "evaluate_cmd",
        "Score MODEL (NAME@ALIAS or NAME/VERSION) on a snapshot,",
    ),
    "experiments": ("runs", "experiments", "Experiments and how many runs each holds."),
    "gc": ("runs", "gc", "Remove deleted runs for good and blobs nothing references any more."),
    "import": ("interop", "import_group", "Import experiments, runs and models from another"),
    "labels": ("monitor", "labels", "Late labels: the true outcome of served predictions, joined"),
    "lineage": ("models", "lineage", "Where REF came from: version -> run -> input snapshots,"),
    "models": ("models", "models", "Registered models: versions, aliases, gated promotion."),
    "monitor": ("monitor", "monitor", "Monitors of served models: drift and performance of each"),
    "pipeline": ("pipeline", "pipeline", "Promoted notebooks: run, sweep, CI workflows,"),
    "predict": ("predict", "predict", "Score the Parquet or CSV file INPUT with REF"),
    "promote": ("pipeline", "promote", "Promote NOTEBOOK to a parameterized pipeline in"),
    "retrain": ("retrain", "retrain_cmd", "Retrain with PIPELINE and promote the new model only"),
    "runs": ("runs", "runs", "Tracked runs."),
    "serve": ("models", "serve", "Serve REF (NAME@ALIAS or NAME/VERSION) over HTTP"),
    "snapshot": ("data", "snapshot_cmd", "Snapshot the Parquet or CSV files at PATH (a file,"),
    "snapshots": ("data", "snapshots", "Stored data snapshots."),
    "tracking-server": ("mlflow", "tracking_server", "Serve MLflow's tracking REST API over this"),
    "validate": ("data", "validate_cmd", "Validate a CSV or Parquet FILE; exit 1 when any"),
}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(f".{spec[0]}", __name__)
        return getattr(module, spec[1])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, spec[2]) for name, spec in sorted(COMMANDS.items())])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MlopsError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyter-mlops")
def main() -> None:
    """Jupyter-native MLOps: runs, data snapshots, models, drift and pipelines."""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
