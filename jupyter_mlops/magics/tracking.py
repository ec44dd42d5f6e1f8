"""%mlops run tracking subcommands (start, end, log, param, tag, artifact, status, runs, show,
compare, attempts, cells, autolog) and the ``%%mlops run`` cell magic.

The router splits and parses each line (``@subcommand`` + ``@argument``); each calls the core.
"""

from __future__ import annotations

import ast
import os
import sys
import time
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display

from .. import tracking
from ..errors import MlopsError
from ..tracking import RunStatus
from ..tracking import cell_attempts as attempt_api
from ..tracking import values as value_api
from ..tracking.autolog import autolog_enabled
from ..tracking.cells import history
from ..tracking.display import RunView, StatusView, run_view
from ..tracking.run import active_run, require_active_run
from .router import argument, notebook_value, quoting, subcommand


# -- argument helpers ----------------------------------------------------------
def parse_pairs(items: list[str] | None, what: str = "KEY=VALUE") -> dict[str, str]:
    """``["a=1", "b=x y"]`` -> ``{"a": "1", "b": "x y"}``; a malformed item is a one-line error."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"malformed {item!r}: expected {what}, e.g. lr=0.01")
        out[key.strip()] = value
    return out


def _flatten(groups: list[list[str]] | None) -> list[str]:
    return [item for group in groups or [] for item in group]


def coerce_number(text: str) -> Any:
    """``"3"`` -> 3, ``"0.5"`` -> 0.5, ``"1e-3"`` -> 0.001; anything else stays text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _short(run) -> str:
    return f"{run.name!r} ({run.id[:8]})"


# -- runs ------------------------------------------------------------------------
@subcommand("start", "open a run (finishing the open one first)")
@argument("name", nargs="?", help="Run name (default: run-<id>).")
@argument("--experiment", "-e", help="Experiment (default: MLOPS_EXPERIMENT or Default).")
@argument("--param", "-p", nargs="+", action="append", metavar="K=V", help="Params.")
@argument("--tag", "-t", nargs="+", action="append", metavar="K=V", help="Tags.")
def start(magics, args, cell: str | None) -> None:
    params = parse_pairs(_flatten(args.param))
    tags = parse_pairs(_flatten(args.tag))
    run, finished = attempt_api.start_fresh_run(
        args.name, args.experiment, params, tags, reason="%mlops start opened a new run"
    )
    for old in finished:
        print(f"finished the open run {_short(old)} first")
    print(f"started run {_short(run)} in experiment {run.experiment!r}")


@subcommand("end", "end the open run (FINISHED, or --status failed)")
@argument("--status", "-s", default="FINISHED", help="FINISHED (default), FAILED or KILLED.")
def end(magics, args, cell: str | None) -> None:
    status = RunStatus.parse(args.status, "--status")
    run = require_active_run()
    info = run.end(status, reason="%mlops end")
    took = (info.end_time or time.time()) - info.start_time
    print(f"run {_short(run)} {info.status.value} after {took:.1f} s")


@subcommand("log", "log k=v or variables: numbers become metrics, anything else params")
@argument(
    "items",
    nargs="*",
    type=quoting,
    metavar="K=V|VARIABLE",
    help="Values, or names of variables.",
)
@argument("--step", type=int, help="Step of the metrics (default: next step per key).")
def log(magics, args, cell: str | None) -> None:
    """A value that reads as a number (3, 0.5, 1e-3) is a metric; a quoted value
    (version="0.93") is text, without its quotes. Text becomes a param, unless
    its name is already a metric of the run: then it is an error rather than a
    param named like the metric. A VARIABLE holding a number is a metric;
    anything else is logged as its str() by the same rule."""
    if not args.items:
        raise UsageError("nothing to log: %mlops log k=v ... or %mlops log VARIABLE")
    values: dict[str, Any] = {}
    for item, quoted in args.items:
        if "=" in item:
            ((key, value),) = parse_pairs([item]).items()
            values[key] = value if quoted else coerce_number(value)
        elif item.isidentifier():
            value = notebook_value(magics, item, "VARIABLE")
            values[item] = value if value_api.is_metric_value(value) else str(value)
        else:
            raise UsageError(f"malformed {item!r}: expected KEY=VALUE or a variable name")
    metrics, params = value_api.log_values(values, step=args.step)
    parts = [f"{len(metrics)} metric(s)"] if metrics else []
    if params:
        parts.append(f"{len(params)} param(s)")
    print("logged " + " and ".join(parts))


_pairs = argument("items", nargs="+", metavar="K=V", help="Values are kept as text.")


@subcommand("param", "log params k=v (kept as text)")
@_pairs
def param(magics, args, cell: str | None) -> None:
    tracking.log_params(parse_pairs(args.items))


@subcommand("tag", "set tags k=v on the open run")
@_pairs
def tag(magics, args, cell: str | None) -> None:
    tracking.set_tags(parse_pairs(args.items))


@subcommand("artifact", "store a file, folder or variable as an artifact of the open run")
@argument("target", metavar="PATH_OR_VARIABLE")
@argument("--name", "-n", help="Artifact name (default: the file name or the variable name).")
def artifact(magics, args, cell: str | None) -> None:
    require_active_run()
    if os.path.exists(args.target):
        logged = tracking.log_artifact(args.target, args.name)
    elif args.target.isidentifier():
        value = notebook_value(magics, args.target, "PATH_OR_VARIABLE")
        data, name = value_api.value_to_artifact(args.target, value)
        logged = tracking.log_artifact(data, args.name or name)
    else:
        raise UsageError(f"{args.target!r} is neither an existing path nor a variable name")
    size = sum(a.size for a in logged)
    print(f"stored {', '.join(a.name for a in logged[:5])} ({size:,} bytes)")


# -- looking -------------------------------------------------------------------
@subcommand("status", "the open run, cell capture and autolog, with hidden-state warnings")
def status(magics, args, cell: str | None) -> None:
    run = active_run()
    view = run_view(run.id) if run is not None else None
    capture = magics.capture
    if not magics.capture_cells:
        state = "off (%config MlopsMagics.capture_cells = True)"
    elif run is not None and capture.stopped_reason(run.id):
        state = f"stopped for this run: {capture.stopped_reason(run.id)}"
    else:
        state = "on" + (f" ({view.cells} cells recorded)" if view is not None else "")
    notes = ()
    if run is not None:
        notes = history(run.id).notes
    display(StatusView(view, state, autolog_enabled(), tuple(notes)))


@subcommand("runs", "a table of recent runs (top-level; --all adds child runs)")
@argument("--experiment", "-e", action="append", help="Only this experiment (repeatable).")
@argument("--limit", "-n", type=int, default=20, help="At most N runs (default 20).")
@argument("--filter", "-f", help="e.g. \"metrics.acc > 0.9 and params.model = 'rf'\"")
@argument("--widget", "-w", action="store_true", help="An interactive view (paged, N per page).")
@argument("--all", action="store_true", help="Include child runs (search candidates, ...).")
def runs(magics, args, cell: str | None):
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    if args.widget:
        from .views import runs_view

        return runs_view(args.experiment, args.filter, args.limit)
    frame = tracking.search_runs(
        experiment=args.experiment, filter=args.filter, limit=args.limit, children=args.all
    )
    if frame.empty:
        print("no runs")
        return None
    metrics = [c for c in frame.columns if c.startswith("metrics.") and frame[c].notna().any()]
    shown = frame[["run_id", "name", "experiment", "status", "start_time", *metrics[:6]]].copy()
    shown["run_id"] = shown["run_id"].str[:8]
    return shown.reset_index(drop=True)


_run_ref = argument(
    "run", nargs="?", help="Run id or unique prefix (default: open run, else the latest)."
)


def _default_run_id(ref: str | None) -> str:
    if ref:
        return ref
    run = active_run()
    if run is not None:
        return run.id
    latest = tracking.search_runs(limit=1)
    if latest.empty:
        raise UsageError("no runs yet: %mlops start NAME")
    return str(latest["run_id"].iloc[0])


@subcommand("show", "one run: params, metrics, artifacts, cells, warnings")
@_run_ref
def show(magics, args, cell: str | None) -> RunView:
    return run_view(_default_run_id(args.run))


@subcommand("compare", "params and metrics of runs side by side (--attempts: of one cell)")
@argument("runs", nargs="*", metavar="RUN")
@argument("--attempts", "-a", action="store_true", help="Compare every attempt of RUN's cell.")
@argument("--diff", "-d", action="store_true", help="Only rows that differ.")
def compare(magics, args, cell: str | None):
    from ..tracking.compare import compare_runs

    if args.attempts:
        if len(args.runs) > 1:
            raise UsageError("--attempts takes one run (or none for the open run)")
        ref = _default_run_id(args.runs[0] if args.runs else None)
        return attempt_api.compare_attempts(ref, only_differences=args.diff)
    if len(args.runs) < 2:
        raise UsageError("compare needs at least two runs: %mlops compare RUN RUN ...")
    return compare_runs(args.runs, only_differences=args.diff)


@subcommand("attempts", "every attempt of the cell that made RUN, one row each")
@_run_ref
def attempts(magics, args, cell: str | None):
    return attempt_api.attempts(_default_run_id(args.run))


@subcommand("cells", "the cells a run executed, in order, and whether they replay")
@_run_ref
def cells(magics, args, cell: str | None):
    import pandas as pd

    ref = _default_run_id(args.run)
    report = history(ref)
    records = tracking.run_cells(ref)
    if report.warning:
        print("⚠ " + report.warning, file=sys.stderr)
    return pd.DataFrame(
        [
            {
                "phase": c.phase,
                "In": c.execution_count,
                "duration_s": None if c.duration is None else round(c.duration, 4),
                "error": c.error,
                "source": c.source,
            }
            for c in records
        ]
    )


# -- the cell magic ----------------------------------------------------------------
@subcommand("run", "run the cell body inside a run (FINISHED, or FAILED and re-raised)", cell=True)
@argument("name", nargs="?", help="Run name (default: run-<id>).")
@argument("--experiment", "-e", help="Experiment of the run.")
@argument("--param", "-p", nargs="+", action="append", metavar="K=V", help="Params.")
@argument("--tag", "-t", nargs="+", action="append", metavar="K=V", help="Tags.")
def run(magics, args, cell: str | None):
    """The cell body runs inside the run; the value of its last expression is the output."""
    __tracebackhide__ = True
    if cell is None:
        raise UsageError("needs a cell body: put %%mlops run [NAME] on the cell's first line")
    shell = magics.shell
    code = shell.transform_cell(cell)
    filename = shell.compile.cache(code, shell.execution_count, raw_code=cell)
    tree = ast.parse(code, filename)  # a SyntaxError raises before any run exists
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    key = attempt_api.attempt_key(magics.capture.current_cell_id, cell)
    params = parse_pairs(_flatten(args.param))
    tags = parse_pairs(_flatten(args.tag))
    active = attempt_api.start_attempt(key, args.name, args.experiment, params, tags)
    try:
        exec(compile(tree, filename, "exec"), shell.user_global_ns, shell.user_ns)
        value = None
        if last is not None:
            expr = compile(ast.Expression(last.value), filename, "eval")
            value = eval(expr, shell.user_global_ns, shell.user_ns)
    except BaseException as exc:
        tb = _user_traceback(exc.__traceback__, filename)
        status = active.end_with(exc, tb=tb).status
        print(f"run {_short(active)} {status.value}: {type(exc).__name__}: {exc}", file=sys.stderr)
        if isinstance(exc, (MlopsError, UsageError)):
            exc.__mlops_user_code__ = True  # type: ignore[attr-defined]
        raise exc.with_traceback(tb) from exc.__cause__
    info = active.end(RunStatus.FINISHED)
    attempt = active.data().tags.get(attempt_api.ATTEMPT_NUMBER, "1")
    took = (info.end_time or time.time()) - info.start_time
    suffix = f", attempt {attempt} of this cell" if attempt != "1" else ""
    print(f"run {_short(active)} FINISHED in {took:.1f} s{suffix}")
    return value


def _user_traceback(tb, filename: str):
    """Drop our own frames: the traceback starts at the user's cell."""
    start = tb
    while start is not None and start.tb_frame.f_code.co_filename != filename:
        start = start.tb_next
    return start or tb


# -- autolog -----------------------------------------------------------------------
@subcommand("autolog", "record every scikit-learn fit (--off restores the methods)")
@argument("flavor", nargs="?", default="sklearn", help="sklearn (default), or 'off'.")
@argument("--off", action="store_true", help="Turn autolog off and restore the methods.")
@argument("--no-models", action="store_true", help="Do not store fitted models.")
def autolog(magics, args, cell: str | None) -> None:
    if args.flavor == "off":
        for flavor in autolog_enabled():
            tracking.autolog(flavor, disable=True)
        print("autolog off")
        return
    on = tracking.autolog(args.flavor, disable=args.off, log_models=not args.no_models)
    print(f"autolog {args.flavor} {'on' if on else 'off'}")
