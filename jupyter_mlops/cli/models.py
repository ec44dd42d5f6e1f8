"""``jupyter mlops models list|show|versions|promote|history``, ``alias set|delete``,
``lineage`` and ``serve``.

(``jupyter mlops promote`` promotes a notebook to a pipeline, so promoting a
model version is ``jupyter mlops models promote``.)
"""

from __future__ import annotations

import sys

import click

from .. import registry
from ..registry.gates import GateFailed, gate_table
from .output import echo_json, fmt, frame_table, jsonable, table


def register(main: click.Group) -> None:
    main.add_command(models)
    main.add_command(alias)
    main.add_command(lineage)
    main.add_command(serve)


def _when(ts: float | None) -> str:
    import datetime as dt

    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _version_record(v) -> dict:
    return {
        "name": v.name,
        "version": v.version,
        "aliases": list(v.aliases),
        "created_at": _when(v.created_at),
        "user": v.user,
        "run_id": v.run_id,
        "source": v.source,
        "format": v.format,
        "model_class": v.model_class,
        "digest": v.digest,
        "size": v.size,
        "input_snapshots": list(v.input_snapshots),
        "description": v.description,
        "signature": v.signature,
    }


@click.group()
def models() -> None:
    """Registered models: versions, aliases, gated promotion."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
def list_models(as_json) -> None:
    """Every registered model with its latest version and aliases."""
    frame = registry.list_models()
    if as_json:
        echo_json(frame.to_dict(orient="records"))
    elif frame.empty:
        click.echo("no models")
    else:
        click.echo(
            frame_table(frame, ["name", "latest_version", "aliases", "updated_at", "description"])
        )


@models.command("versions")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def list_versions(name, as_json) -> None:
    """The versions of one model, oldest first."""
    versions = registry.list_versions(name)
    if as_json:
        echo_json([_version_record(v) for v in versions])
        return
    rows = [
        (
            v.version,
            ", ".join(v.aliases),
            _when(v.created_at),
            v.user,
            (v.run_id or "")[:8],
            v.format,
            v.model_class.rsplit(".", 1)[-1],
            v.description,
        )
        for v in versions
    ]
    click.echo(
        table(
            rows, ["version", "aliases", "created", "user", "run", "format", "class", "description"]
        )
    )


@models.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
def show(ref, as_json) -> None:
    """One version: NAME@ALIAS, NAME/VERSION, NAME@latest (or NAME for the latest)."""
    record = _version_record(registry.get_model_version(ref))
    if as_json:
        echo_json(record)
        return
    signature = record.pop("signature")
    for key, value in record.items():
        click.echo(
            f"{key:16} {fmt(', '.join(map(str, value)) if isinstance(value, list) else value)}"
        )
    inputs = signature.get("inputs")
    click.echo(f"{'output':16} {jsonable(signature.get('output'))}")
    if inputs is None:
        click.echo("inputs           (unknown)")
    else:
        click.echo(f"inputs ({len(inputs)}):")
        click.echo(
            table(
                [(c["name"], c["type"], c.get("nullable", False)) for c in inputs],
                ["column", "type", "nullable"],
            )
        )


@models.command("history")
@click.argument("name")
@click.option("--alias", "alias_", help="Only this alias.")
@click.option("--json", "as_json", is_flag=True)
def history(name, alias_, as_json) -> None:
    """Every alias move of a model: who, when, from which version to which, and why."""
    frame = registry.alias_history(name, alias_)
    if as_json:
        echo_json(frame.to_dict(orient="records"))
    elif frame.empty:
        click.echo("no alias moves")
    else:
        click.echo(frame_table(frame))


@models.command("promote")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--to", "to", default="production", show_default=True, help="The alias to move.")
@click.option(
    "--require",
    "-r",
    multiple=True,
    help="Gates, e.g. 'accuracy>=current', 'f1>=0.8' or 'loss < current - 0.01' "
    "(repeatable; several in one value separated by ';').",
)
@click.option(
    "--force", is_flag=True, help="Move even if gates fail (needs --reason; recorded as forced)."
)
@click.option("--reason", help="Why; recorded with the move.")
@click.option(
    "--on",
    "on",
    metavar="REF",
    help="Evaluate both versions on this snapshot (holdout@latest); gates read the evaluations "
    "(also 'f1[segment=smb] >= 0.7', 'max_slice_gap(accuracy, segment) <= 0.05').",
)
@click.option("--target", metavar="COL", help="The label column of --on's snapshot.")
@click.option(
    "--tolerance",
    type=float,
    default=0.0,
    show_default=True,
    help="With --on: how far below current the paired interval may reach for '>= current'.",
)
@click.option("--json", "as_json", is_flag=True)
def promote(name, version, to, require, force, reason, on, target, tolerance, as_json) -> None:
    """Move NAME@TO to VERSION if every gate passes; exit 1 with the failed gates otherwise."""
    try:
        gates = registry.parse_gates(list(require), "--require")  # the error names the option
        result = registry.promote_model(
            name,
            version,
            to=to,
            require=gates,
            force=force,
            reason=reason,
            on=on,
            target=target,
            tolerance=tolerance,
        )
    except GateFailed as exc:
        if as_json:
            echo_json({"promoted": False, "gates": [vars(r) for r in exc.results]})
        else:
            click.echo(str(exc), err=True)
        sys.exit(1)
    if as_json:
        echo_json(
            {
                "promoted": True,
                "forced": result.forced,
                "from_version": result.from_version,
                "to_version": result.version,
                "gates": [vars(r) for r in result.results],
            }
        )
        return
    prev = result.from_version if result.from_version is not None else "none"
    click.echo(f"{name}@{to}: version {prev} -> {version}" + (" (forced)" if result.forced else ""))
    if result.results:
        click.echo(gate_table(list(result.results)))


@click.group()
def alias() -> None:
    """Set or delete a model alias (every move is recorded)."""


@alias.command("set")
@click.argument("name")
@click.argument("alias_name", metavar="ALIAS")
@click.argument("version", type=int)
@click.option("--reason", help="Why; recorded with the move.")
def alias_set(name, alias_name, version, reason) -> None:
    """Point NAME@ALIAS at VERSION (no gates; see `models promote`)."""
    move = registry.set_alias(name, alias_name, version, reason=reason)
    prev = move.from_version if move.from_version is not None else "none"
    click.echo(f"{name}@{alias_name}: version {prev} -> {version}")


@alias.command("delete")
@click.argument("name")
@click.argument("alias_name", metavar="ALIAS")
@click.option("--reason", help="Why; recorded with the deletion.")
def alias_delete(name, alias_name, reason) -> None:
    """Remove NAME@ALIAS (the version it pointed at stays)."""
    move = registry.delete_alias(name, alias_name, reason=reason)
    click.echo(f"{name}@{alias_name} deleted (was version {move.from_version})")


@click.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
def lineage(ref, as_json) -> None:
    """Where REF came from: version -> run -> input snapshots, notebook, cells, git commit."""
    result = registry.lineage(ref)
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(str(result))


@click.command()
@click.argument("ref")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind; beyond loopback, also pass --token.",
)
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port.",
)
@click.option(
    "--max-body",
    default=10 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body in bytes (413 above).",
)
@click.option(
    "--refresh",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    help="Seconds between checks of where the alias points.",
)
@click.option(
    "--trusted", is_flag=True, help="Load any version, joblib/pickle included (runs their code)."
)
@click.option(
    "--trust",
    "trust",
    multiple=True,
    metavar="NAME",
    help="A type or function the model may hold beyond the allow-list (repeatable).",
)
@click.option(
    "--token",
    envvar="MLOPS_SERVE_TOKEN",
    default=None,
    help="Require 'Authorization: Bearer TOKEN' on every route but /health and /ping "
    "(default: $MLOPS_SERVE_TOKEN).",
)
@click.option(
    "--log-sample",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, max=1, min_open=True),
    help="Fraction of rows recorded in the inference log.",
)
@click.option("--no-log", is_flag=True, help="Record nothing in the inference log.")
@click.option(
    "--log-window",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per inference-log window.",
)
@click.option(
    "--log-every",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds after which an open window is closed even when not full.",
)
@click.option(
    "--workers",
    default="1",
    show_default=True,
    metavar="N|auto",
    help="Processes serving on the one port ('auto': one per CPU); a dead one is restarted.",
)
def serve(
    ref, host, port, max_body, refresh, trusted, trust, token, log_sample, no_log, log_window,
    log_every, workers,
) -> None:  # fmt: skip
    """Serve REF (NAME@ALIAS or NAME/VERSION) over HTTP: GET /health, GET /metadata, POST /predict."""
    from ..monitor.log import LogOptions
    from ..registry import serve as serving

    if (warning := serving.exposure_warning(host, token)) is not None:
        click.echo(f"warning: {warning}", err=True)

    def ready(url, server) -> None:
        click.echo(f"serving {server.ref} (version {server.loaded.version}) on {url}", nl=True)
        counts = server.log_counts()
        if counts["enabled"]:
            click.echo(f"inference log: {counts['sample']:g} of rows, windows of "
                       f"{counts['window_rows']} rows or {counts['window_seconds']:g} s")  # fmt: skip
        sys.stdout.flush()

    def report(message: str) -> None:
        click.echo(message, err=True)

    status = serving.serve(
        ref,
        host,
        port,
        workers=workers,
        report=report,
        trusted=True if trusted else list(trust),
        refresh_interval=refresh,
        max_body_bytes=max_body,
        ready=ready,
        token=token,
        log=False
        if no_log
        else LogOptions(sample=log_sample, window_rows=log_window, window_seconds=log_every),
    )
    if status:
        sys.exit(status)
