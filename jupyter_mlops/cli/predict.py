"""``jupyter mlops predict REF INPUT -o OUTPUT``: batch scoring of a Parquet or CSV file."""

from __future__ import annotations

import click


@click.command("predict")
@click.argument("ref")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Where to write the predictions (.parquet or .csv).")  # fmt: skip
@click.option("--chunk-rows", default=100_000, show_default=True, type=click.IntRange(min=1),
              help="Rows read, scored and written at a time (bounds memory).")  # fmt: skip
@click.option("--id-column", default=None,
              help="Keep only this input column beside the predictions in OUTPUT.")  # fmt: skip
@click.option("--no-log", is_flag=True, help="Write nothing to the inference log.")
@click.option("--trusted", is_flag=True, help="Load any version, joblib/pickle included.")
@click.option("--trust", "trust", multiple=True, metavar="NAME",
              help="A type or function the model may hold beyond the allow-list (repeatable).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def predict(
    ref, input_path, output, chunk_rows, id_column, no_log, trusted, trust, as_json
) -> None:
    """Score the Parquet or CSV file INPUT with REF (NAME@ALIAS or NAME/VERSION), chunk by chunk."""
    from ..monitor.batch import predict as batch_predict

    res = batch_predict(
        ref, input_path, output, chunk_rows=chunk_rows, id_column=id_column, log=not no_log,
        trusted=True if trusted else list(trust), progress=None if not as_json else False,
    )  # fmt: skip
    if as_json:
        from .output import echo_json

        echo_json({"run_id": res.run_id, "model": res.model, "version": res.version,
                   "rows": res.rows, "chunks": res.chunks, "output": res.output,
                   "input_snapshot": res.input_snapshot, "windows": list(res.window_ids),
                   "seconds": round(res.seconds, 3)})  # fmt: skip
        return
    click.echo(f"{res.rows:,} rows scored by {res.model}/{res.version} -> {res.output} "
               f"(run {res.run_id[:8]}, {len(res.window_ids)} window(s), {res.seconds:.2f} s)")  # fmt: skip
