"""``jupyter mlops labels add MODEL FILE``: late labels joined to served predictions by id."""

from __future__ import annotations

import click

from .output import echo_json


@click.group()
def labels() -> None:
    """Late labels: the true outcome of served predictions, joined by prediction id."""


@labels.command("add")
@click.argument("model")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--id-column", default="id", show_default=True, help="Column of prediction ids.")
@click.option("--label-column", default="label", show_default=True, help="Column of labels.")
@click.option("--replace", is_flag=True, help="Overwrite labels the ids already have.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def add(model, file, id_column, label_column, replace, as_json) -> None:
    """Add the labels in FILE (CSV or Parquet) to MODEL's logged predictions: all or none."""
    from ..data.frames import read_file
    from ..monitor import log_labels

    frame = read_file(file).to_pandas()
    done = log_labels(model, frame, id_column=id_column, label_column=label_column, replace=replace)
    if as_json:
        echo_json({"model": done.model, "added": done.added, "replaced": done.replaced})
        return
    click.echo(f"{done.added + done.replaced} labels for {done.model}: "
               f"{done.added} added, {done.replaced} replaced")  # fmt: skip
