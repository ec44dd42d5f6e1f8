"""``mlops.widgets.registry(name=None)``: models, their versions, metrics, aliases, lineage.

Moving an alias from the view asks for a reason and goes through
``mlops.promote`` with the view's gates (``require=``), exactly as code would:
a failed gate leaves the alias where it was, and the view lists the gates.
Every move and refusal lands in the events table through the core.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

from .. import registry as reg
from .. import tracking
from ..errors import InvalidArgument, MlopsError, NotFound
from ..registry.gate_rules import GateSpec, parse_gates
from ..tracking.figures import comparison_figure, empty_figure
from .base import FigureArea, View, error_html
from .static import esc, html_table, page

DEFAULT_ALIASES = ("production", "staging", "champion", "challenger")


def _version_metrics(versions: list[Any]) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for v in versions:
        metrics: dict[str, float] = {}
        if v.run_id:
            try:
                metrics = tracking.get_run(v.run_id).metrics
            except NotFound:
                metrics = {}
        out[v.version] = metrics
    return out


def gates_html(results: Any) -> str:
    """The gates of a promotion attempt, failed ones highlighted."""
    rows = pd.DataFrame(
        [
            {
                "metric": r.metric,
                "rule": r.rule,
                "candidate": r.candidate,
                "threshold": r.threshold,
                "result": "pass" if r.passed else "FAIL",
                "detail": r.detail,
            }
            for r in results
        ],
        columns=["metric", "rule", "candidate", "threshold", "result", "detail"],
    )
    colours = {"result": ["#e2f5e8" if x == "pass" else "#fbe3e1" for x in rows["result"]]}
    return html_table(rows, colours=colours)


class RegistryView(View):
    """Models → versions (metrics, aliases) → lineage; alias moves through the gates."""

    title = "mlops registry"

    def __init__(self, name: str | None = None, require: GateSpec = None):
        self.require = tuple(parse_gates(require))  # bad gates fail here, with the core's message
        models = reg.list_models()
        names = list(models["name"])
        if name is not None and name not in names:
            raise InvalidArgument(
                "name", "a registered model: " + (", ".join(names) or "(none yet)"), name
            )
        self.versions: list[Any] = []
        self.metrics: dict[int, dict[str, float]] = {}
        self.model_box = w.Dropdown(
            options=names, value=name or (names[0] if names else None), description="model"
        )
        self.models_table = w.HTML()
        self.versions_table = w.HTML()
        self.version_box = w.Select(options=[], rows=5, description="version")
        self.lineage = w.HTML()
        self.plot = FigureArea()
        self.alias_box = w.Combobox(
            options=list(DEFAULT_ALIASES), value="production", description="alias"
        )
        self.reason_box = w.Text(placeholder="why (recorded with the move)", description="reason")
        self.force_box = w.Checkbox(value=False, description="override failed gates")
        self.move_button = w.Button(
            description="move alias", button_style="warning", icon="arrow-right"
        )
        self.result = w.HTML()
        self.history = w.HTML()
        gates = "; ".join(str(g) for g in self.require) or "none"
        move = w.VBox(
            [
                w.HTML(f"<b>move an alias to the selected version</b> — gates: {esc(gates)}"),
                w.HBox([self.alias_box, self.reason_box]),
                w.HBox([self.force_box, self.move_button]),
                self.result,
            ]
        )
        tabs = w.Tab(children=[self.lineage, self.plot, move, self.history])
        for i, t in enumerate(["lineage", "metrics", "move alias", "alias history"]):
            tabs.set_title(i, t)
        super().__init__(
            [self.model_box, self.models_table, self.versions_table, self.version_box, tabs]
        )
        self.model_box.observe(lambda _: self.refresh(), names="value")
        self.version_box.observe(self._on_version, names="value")
        self.move_button.on_click(lambda _: self.move_alias())
        self.models_table.value = self._models_html(models)
        self.refresh()

    # -- state -----------------------------------------------------------------
    @property
    def model(self) -> str | None:
        return self.model_box.value

    @property
    def version(self) -> int | None:
        return self.version_box.value

    @property
    def figure(self) -> dict[str, Any]:
        return self.plot.figure

    def refresh(self) -> None:
        """Read the selected model's versions and aliases again."""
        if self.model is None:
            self.versions, self.metrics = [], {}
            self.versions_table.value = page(
                [
                    '<p class="muted">no models registered yet: '
                    "<code>mlops.register_model(name, model)</code> adds one</p>"
                ]
            )
            self.plot.show(empty_figure("no models registered yet", title="version metrics"))
            self.version_box.options = []
            return
        keep = self.version
        self.versions = reg.list_versions(self.model)
        self.metrics = _version_metrics(self.versions)
        self.versions_table.value = self.versions_html()
        self.plot.show(
            comparison_figure(
                {str(v.version): self.metrics[v.version] for v in self.versions},
                {str(v.version): f"v{v.version}" for v in self.versions},
            )
        )
        self.history.value = self._history_html()
        options = [(self._version_label(v), v.version) for v in reversed(self.versions)]
        known = {v.version for v in self.versions}
        self.version_box.options = options
        self.version_box.value = keep if keep in known else (options[0][1] if options else None)
        self._show_lineage()

    def _version_label(self, v: Any) -> str:
        aliases = f"  @{', @'.join(v.aliases)}" if v.aliases else ""
        return f"v{v.version}{aliases}"

    def select(self, version: int) -> None:
        """Select a version (shows its lineage; alias moves target it)."""
        if version not in {v.version for v in self.versions}:
            raise InvalidArgument("version", f"a version of {self.model}", version)
        self.version_box.value = version

    def _on_version(self, change: Any) -> None:
        self._show_lineage()

    def _show_lineage(self) -> None:
        if self.model is None or self.version is None:
            self.lineage.value = ""
            return
        try:
            self.lineage.value = page([reg.lineage(f"{self.model}/{self.version}")._repr_html_()])
        except MlopsError as exc:
            self.lineage.value = error_html(exc)

    # -- the move ------------------------------------------------------------------
    def move_alias(
        self, alias: str | None = None, reason: str | None = None, force: bool | None = None
    ) -> Any:
        """Move ``alias`` to the selected version through ``mlops.promote``; returns the Promotion.

        Arguments default to the form's fields. A missing reason or a failed
        gate is shown in the view (and returned as the exception) instead of raised.
        """
        alias = alias if alias is not None else self.alias_box.value.strip()
        reason = reason if reason is not None else self.reason_box.value.strip()
        force = self.force_box.value if force is None else force
        if self.model is None or self.version is None:
            self.result.value = error_html(InvalidArgument("version", "a selected version", None))
            return None
        if not reason:
            exc = InvalidArgument("reason", "a reason for moving the alias (it is recorded)", "")
            self.result.value = error_html(exc)
            return exc
        try:
            done = reg.promote(
                self.model, self.version, to=alias, require=self.require, force=force, reason=reason
            )
        except reg.GateFailed as exc:
            self.result.value = page(
                [
                    f'<div class="verdict bad">{esc(self.model)}@{esc(alias)} not moved to '
                    f"v{self.version}: gates failed</div>",
                    gates_html(exc.results),
                ]
            )
            self.history.value = self._history_html()
            return exc
        except MlopsError as exc:
            self.result.value = error_html(exc)
            return exc
        word = "forced past failed gates" if done.forced else "moved"
        self.result.value = page(
            [
                f'<div class="verdict good">{esc(self.model)}@{esc(alias)} {word}: '
                f"v{done.from_version or '–'} → v{done.version}</div>",
                gates_html(done.results) if done.results else "",
            ]
        )
        self.reason_box.value = ""
        self.refresh()
        return done

    # -- html ----------------------------------------------------------------------
    def _models_html(self, models: pd.DataFrame) -> str:
        if models.empty:
            return ""
        return page([html_table(models, columns=["name", "latest_version", "aliases"])])

    def versions_html(self) -> str:
        metric_keys = sorted({k for m in self.metrics.values() for k in m})
        rows = []
        for v in reversed(self.versions):
            row = {
                "version": v.version,
                "aliases": ", ".join(v.aliases),
                "created": pd.Timestamp(v.created_at, unit="s", tz="UTC"),
                "user": v.user,
                "run": (v.run_id or "")[:8],
                "class": v.model_class.rsplit(".", 1)[-1],
            }
            row.update({k: self.metrics[v.version].get(k) for k in metric_keys})
            rows.append(row)
        frame = pd.DataFrame(rows)
        colours = {"aliases": ["#fff3cd" if a else "#ffffff" for a in frame["aliases"]]}
        return page([f"<b>{esc(self.model)}</b>", html_table(frame, colours=colours)])

    def _history_html(self) -> str:
        try:
            history = reg.alias_history(self.model)
        except MlopsError as exc:
            return error_html(exc)
        if history.empty:
            return page(['<p class="muted">no alias moves yet</p>'])
        return page([html_table(history)])

    def static_html(self) -> str:
        return page([self.models_table.value, self.versions_table.value, self.lineage.value])

    def static_figure(self) -> dict[str, Any] | None:
        return self.figure or None


def registry(name: str | None = None, require: GateSpec = None) -> RegistryView:
    """The model registry; ``require`` are the gates an alias move must pass (as in promote)."""
    return RegistryView(name, require)
