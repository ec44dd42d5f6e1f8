"""Compact rendering of runs and of ``%mlops status``: HTML in notebooks, text in terminals.

Views are small objects with ``_repr_html_`` (Jupyter) and ``_repr_pretty_`` /
``__repr__`` (terminal IPython, plain Python); they compute nothing themselves.
"""

from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ..store.entities import RunData, RunInfo, RunStatus

MAX_ITEMS = 12
_COLOURS = {
    RunStatus.RUNNING: "#1f6feb",
    RunStatus.FINISHED: "#1a7f37",
    RunStatus.FAILED: "#cf222e",
    RunStatus.KILLED: "#9a6700",
}


def _duration(info: RunInfo) -> str:
    end = info.end_time if info.end_time is not None else time.time()
    seconds = max(0.0, end - info.start_time)
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _items(mapping: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, _fmt(v)) for k, v in list(mapping.items())[:MAX_ITEMS]]


def _more(mapping: dict[str, Any]) -> str:
    extra = len(mapping) - MAX_ITEMS
    return f" (+{extra} more)" if extra > 0 else ""


def _badge(status: RunStatus) -> str:
    colour = _COLOURS.get(status, "#57606a")
    return (
        f'<span style="background:{colour};color:#fff;border-radius:3px;'
        f'padding:0 5px;font-size:85%">{status.value}</span>'
    )


def _kv_html(title: str, mapping: dict[str, Any]) -> str:
    if not mapping:
        return ""
    cells = "".join(
        f"<tr><td style='text-align:left;color:#57606a'>{html.escape(k)}</td>"
        f"<td style='text-align:left'><code>{html.escape(v)}</code></td></tr>"
        for k, v in _items(mapping)
    )
    return (
        f"<div style='display:inline-block;vertical-align:top;margin-right:18px'>"
        f"<b>{title}</b>{html.escape(_more(mapping))}<table>{cells}</table></div>"
    )


def lab_url(run_id: str) -> str:
    """The URL path of a run's page in JupyterLab (``?mlops-run=<id>``, routed by the extension).

    Absolute from the server's base URL, which the server extension exports to
    the kernels it starts (``MLOPS_LAB_BASE_URL``; ``/`` without it): JupyterLab
    takes a relative link in an output for a file next to the notebook. Inside
    Lab the extension catches the click and opens the page as a tab without
    reloading.
    """
    base = os.environ.get("MLOPS_LAB_BASE_URL") or "/"
    return f"{base.rstrip('/')}/lab?mlops-run={run_id}"


def _lab_link_html(run_id: str) -> str:
    return (
        f"<a class='jp-mlops-open-in-lab' href='{html.escape(lab_url(run_id), quote=True)}'"
        f" data-mlops-run='{html.escape(run_id, quote=True)}' title='open this run as a JupyterLab page'"
        ">open in Lab</a>"
    )


def _warning_html(text: str | None) -> str:
    if not text:
        return ""
    return (
        "<div style='border-left:3px solid #9a6700;background:#fff8c5;padding:2px 6px;"
        f"margin:4px 0'>⚠ {html.escape(text)}</div>"
    )


@dataclass(frozen=True)
class RunView:
    """One run: status, where it came from, params, metrics, artifacts, cells and warnings."""

    data: RunData
    cells: int = 0
    warning: str | None = None
    notes: tuple[str, ...] = ()

    def _header(self) -> tuple[str, str]:
        info = self.data.info
        where = info.source_path or info.source_type
        return info.name, f"{info.run_id[:8]} · {info.experiment} · {_duration(info)} · {where}"

    def _repr_html_(self) -> str:
        info = self.data.info
        name, sub = self._header()
        arts = ", ".join(html.escape(a.name) for a in self.data.artifacts[:MAX_ITEMS])
        error = ""
        if info.error:
            last = info.error.strip().splitlines()[-1]
            error = f"<div style='color:#cf222e'><code>{html.escape(last)}</code></div>"
        return (
            "<div style='font-size:90%;line-height:1.35'>"
            f"<b>{html.escape(name)}</b> {_badge(info.status)} "
            f"<span style='color:#57606a'>{html.escape(sub)}</span> {_lab_link_html(info.run_id)}"
            f"{error}"
            f"{_warning_html(self.warning)}<div>"
            f"{_kv_html('params', self.data.params)}{_kv_html('metrics', self.data.metrics)}"
            "</div>"
            + (f"<div><b>artifacts</b> {arts}</div>" if arts else "")
            + (
                f"<div style='color:#57606a'>{self.cells} cells captured</div>"
                if self.cells
                else ""
            )
            + "</div>"
        )

    def __repr__(self) -> str:
        info = self.data.info
        name, sub = self._header()
        lines = [f"{name} [{info.status.value}] {sub}"]
        if info.error:
            lines.append("  error: " + info.error.strip().splitlines()[-1])
        if self.warning:
            lines.append("  ⚠ " + self.warning)
        for title, mapping in (("params", self.data.params), ("metrics", self.data.metrics)):
            if mapping:
                shown = ", ".join(f"{k}={v}" for k, v in _items(mapping))
                lines.append(f"  {title}: {shown}{_more(mapping)}")
        if self.data.artifacts:
            lines.append("  artifacts: " + ", ".join(a.name for a in self.data.artifacts[:12]))
        if self.cells:
            lines.append(f"  {self.cells} cells captured")
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle: bool) -> None:
        p.text(repr(self))


@dataclass(frozen=True)
class StatusView:
    """``%mlops status``: the open run (if any) and what the extension is doing."""

    run: RunView | None
    capture: str
    autolog: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def _lines(self) -> list[str]:
        lines = [f"cell capture: {self.capture}"]
        lines.append("autolog: " + (", ".join(self.autolog) if self.autolog else "off"))
        lines.extend(self.notes)
        return lines

    def _repr_html_(self) -> str:
        body = (
            self.run._repr_html_()
            if self.run is not None
            else "<div><b>no open run</b> <span style='color:#57606a'>"
            "(%mlops start NAME or %%mlops run)</span></div>"
        )
        extra = "".join(
            f"<div style='color:#57606a;font-size:90%'>{html.escape(x)}</div>"
            for x in self._lines()
        )
        return f"<div>{body}{extra}</div>"

    def __repr__(self) -> str:
        head = repr(self.run) if self.run is not None else "no open run"
        return "\n".join([head, *self._lines()])

    def _repr_pretty_(self, p, cycle: bool) -> None:
        p.text(repr(self))


def run_view(run_id: str) -> RunView:
    """Everything a run's display shows, read from the store (pending cells flushed first)."""
    from ..store import cells as cell_store
    from ..store import get_store
    from .api import get_run
    from .cells import history

    data = get_run(run_id)
    report = history(data.info.run_id)
    return RunView(
        data,
        cells=cell_store.count_cells(get_store(), data.info.run_id),
        warning=report.warning,
        notes=report.notes,
    )


def run_repr_html(run) -> str:
    """``Run._repr_html_``: never raises (a display must not break a notebook)."""
    try:
        return run_view(run.id)._repr_html_()
    except Exception as exc:
        return f"<code>{html.escape(repr(run))}</code> <i>({html.escape(str(exc))})</i>"


def run_repr_pretty(run, p, cycle: bool) -> None:
    try:
        p.text(repr(run_view(run.id)))
    except Exception:
        p.text(repr(run))
