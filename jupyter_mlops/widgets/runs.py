"""``mlops.widgets.runs()``: a paged, filterable, sortable table of runs.

Selecting runs overlays their metric curves, compares their latest metrics
and lists the parameters that differ. Paging, filtering and sorting happen in
the store (``search_runs(limit=, offset=, filter=, order_by=)``), so the first
page of 10,000 runs costs the same as the first page of ten.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pandas as pd

from .. import tracking
from ..errors import InvalidArgument, MlopsError
from ..tracking import figures
from ..tracking.compare import compare_runs
from .base import FigureArea, View, error_html
from .static import esc, fmt, html_table, page

STATUS_COLOURS = {
    "RUNNING": "#1f77b4",
    "FINISHED": "#2ca02c",
    "FAILED": "#d62728",
    "KILLED": "#7f7f7f",
}
SORTABLE = ["start_time", "end_time", "name", "status", "experiment", "user"]
ALL = "(all experiments)"


def _label(row: pd.Series) -> str:
    """One line of the selection list: name (id), status, up to three latest metrics."""
    metrics = [
        f"{c.split('.', 1)[1]}={fmt(row[c])}"
        for c in row.index
        if c.startswith("metrics.") and fmt(row[c])
    ][:3]
    head = f"{figures.run_label(row['name'], row['run_id'])} · {row['status'].lower()}"
    return "  ".join([head, *metrics])


class RunsView(View):
    """The runs table and, for the selected runs, curves, latest metrics and a param diff."""

    title = "mlops runs"

    def __init__(
        self,
        experiment: str | None = None,
        filter: str | None = None,
        order_by: str | None = None,
        *,
        page_size: int = 25,
        select: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
    ):
        if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
            raise InvalidArgument("page_size", "a whole number >= 1", page_size)
        self.page_size = page_size
        self.offset = 0
        self.total = 0
        self.frame = pd.DataFrame()
        self._labels: dict[str, str] = {}
        self._selected: list[str] = []
        self._syncing = False

        self._query_controls(experiment, filter)
        tabs = self._result_controls(page_size)
        if order_by:
            self._set_order(order_by)
        super().__init__(self._layout(tabs))
        for box in (self.experiment_box, self.filter_box, self.order_box, self.descending):
            box.observe(self._on_query, names="value")
        self.prev_button.on_click(lambda _: self.prev_page())
        self.next_button.on_click(lambda _: self.next_page())
        self.refresh_button.on_click(lambda _: self.refresh(redraw=True))
        self.selector.observe(self._on_select, names="value")
        self.metric_box.observe(self._on_metrics, names="value")

        self.refresh()
        if select is None:
            select = list(self.frame["run_id"][:3]) if not self.frame.empty else []
        self.select(select, metrics=metrics)

    def _query_controls(self, experiment: str | None, filter: str | None) -> None:
        experiments = [e.name for e in tracking.list_experiments()]
        if experiment is not None and experiment not in experiments:
            raise InvalidArgument(
                "experiment",
                "an existing experiment: " + (", ".join(experiments) or "(none yet)"),
                experiment,
            )
        self.experiment_box = w.Dropdown(
            options=[ALL, *experiments], value=experiment or ALL, description="experiment"
        )
        self.filter_box = w.Text(
            value=filter or "",
            placeholder="metrics.acc > 0.9 and params.model = 'rf'",
            description="filter",
            continuous_update=False,
            layout=w.Layout(width="420px"),
        )
        self.order_box = w.Dropdown(options=SORTABLE, value="start_time", description="sort by")
        self.descending = w.ToggleButton(
            value=True, description="descending", icon="sort-amount-desc"
        )
        self.prev_button = w.Button(description="◀", layout=w.Layout(width="40px"))
        self.next_button = w.Button(description="▶", layout=w.Layout(width="40px"))
        self.refresh_button = w.Button(
            description="", icon="refresh", tooltip="query again", layout=w.Layout(width="40px")
        )

    def _result_controls(self, page_size: int) -> w.Tab:
        self.page_label = w.HTML()
        self.message = w.HTML()
        self.table = w.HTML()
        self.selector = w.SelectMultiple(
            options=[], rows=min(page_size, 10), description="select", layout=w.Layout(width="95%")
        )
        self.metric_box = w.SelectMultiple(options=[], rows=4, description="metrics")
        self.curves = FigureArea()
        self.latest = FigureArea()
        self.diff = w.HTML()
        tabs = w.Tab(children=[self.curves, self.latest, self.diff])
        for i, name in enumerate(["metric curves", "latest metrics", "param diff"]):
            tabs.set_title(i, name)
        return tabs

    def _layout(self, tabs: w.Tab) -> list[w.Widget]:
        return [
            w.HBox([self.experiment_box, self.filter_box]),
            w.HBox(
                [
                    self.order_box,
                    self.descending,
                    self.prev_button,
                    self.next_button,
                    self.refresh_button,
                    self.page_label,
                ]
            ),
            self.message,
            self.table,
            w.HBox([self.selector, self.metric_box]),
            tabs,
        ]

    # -- queries -------------------------------------------------------------
    @property
    def experiment(self) -> str | None:
        return None if self.experiment_box.value == ALL else self.experiment_box.value

    @property
    def order_by(self) -> str:
        return f"{self.order_box.value} {'DESC' if self.descending.value else 'ASC'}"

    def _set_order(self, order_by: str) -> None:
        parts = order_by.strip().rsplit(None, 1)
        key, direction = (
            (parts[0], parts[1].upper())
            if (len(parts) == 2 and parts[1].upper() in ("ASC", "DESC"))
            else (order_by.strip(), "ASC")
        )
        if key not in self.order_box.options:
            self.order_box.options = [*self.order_box.options, key]
        self.order_box.value = key
        self.descending.value = direction == "DESC"

    def _on_query(self, _change: Any) -> None:
        self.offset = 0
        self.refresh()

    def refresh(self, redraw: bool = False) -> None:
        """Query the current page again (new runs, a changed filter or sort); ``redraw`` the plots."""
        try:
            self.total = tracking.count_runs(self.experiment, self.filter_box.value or None)
            self.frame = tracking.search_runs(
                self.experiment,
                self.filter_box.value or None,
                order_by=self.order_by,
                limit=self.page_size,
                offset=self.offset,
            )
            self.message.value = ""
        except MlopsError as exc:
            self.message.value = error_html(exc)
            self.frame = self.frame.iloc[0:0]
            self.total = 0
        self._labels.update(
            {r: figures.run_label(n, r) for r, n in zip(self.frame["run_id"], self.frame["name"])}
            if not self.frame.empty
            else {}
        )
        self._update_sort_options()
        self._render_page()
        if redraw:
            self._update_metric_options(None)
            self._draw()

    def _update_sort_options(self) -> None:
        extra = [c for c in self.frame.columns if c.startswith(("metrics.", "params."))]
        options = list(dict.fromkeys([*SORTABLE, *self.order_box.options, *extra]))
        if list(self.order_box.options) != options:
            value = self.order_box.value
            self.order_box.unobserve(self._on_query, names="value")
            self.order_box.options = options
            self.order_box.value = value
            self.order_box.observe(self._on_query, names="value")

    def next_page(self) -> None:
        if self.offset + self.page_size < self.total:
            self.offset += self.page_size
            self.refresh()

    def prev_page(self) -> None:
        if self.offset > 0:
            self.offset = max(0, self.offset - self.page_size)
            self.refresh()

    # -- selection -----------------------------------------------------------
    @property
    def selected(self) -> list[str]:
        """Ids of the selected runs (kept across pages)."""
        return list(self._selected)

    def select(self, run_ids: Sequence[str], metrics: Sequence[str] | None = None) -> None:
        """Select runs by id (a unique prefix works) and optionally the metrics to draw."""
        if isinstance(run_ids, str):
            run_ids = [run_ids]
        resolved = []
        for ref in run_ids:
            data = tracking.get_run(ref)
            resolved.append(data.info.run_id)
            self._labels.setdefault(
                data.info.run_id, figures.run_label(data.info.name, data.info.run_id)
            )
        self._selected = list(dict.fromkeys(resolved))
        self._sync_selector()
        self._update_metric_options(metrics)
        self._draw()

    def _sync_selector(self) -> None:
        self._syncing = True
        try:
            on_page = set(self.selector.options and [v for _, v in self.selector.options])
            self.selector.value = tuple(r for r in self._selected if r in on_page)
        finally:
            self._syncing = False

    def _on_select(self, change: Any) -> None:
        if self._syncing:
            return
        on_page = {v for _, v in self.selector.options}
        keep = [r for r in self._selected if r not in on_page]
        self._selected = keep + list(change["new"])
        self._update_metric_options(None)
        self._draw()
        self._render_table()

    def _on_metrics(self, _change: Any) -> None:
        if not self._syncing:
            self._draw()

    def _update_metric_options(self, wanted: Sequence[str] | None) -> None:
        keys: set[str] = set()
        for run_id in self._selected:
            keys.update(tracking.get_run(run_id).metrics)
        options = sorted(keys)
        current = [k for k in (wanted or self.metric_box.value) if k in keys]
        if wanted:
            unknown = [k for k in wanted if k not in keys]
            if unknown:
                raise InvalidArgument(
                    "metrics", "metrics the selected runs logged: " + ", ".join(options), unknown
                )
        if not current and options:
            current = options[:1]
        self._syncing = True
        try:
            self.metric_box.options = options
            self.metric_box.value = tuple(current)
        finally:
            self._syncing = False

    # -- drawing -------------------------------------------------------------
    @property
    def figure(self) -> dict[str, Any]:
        """The metric curves figure currently shown (a plain plotly dict)."""
        return self.curves.figure

    def _draw(self) -> None:
        keys = list(self.metric_box.value)
        labels = {r: self._labels.get(r, r[:8]) for r in self._selected}
        self.curves.show(figures.metric_curves(self._selected, keys or None, labels=labels))
        self.latest.show(figures.run_comparison(self._selected))
        self.diff.value = self._diff_html()

    def _diff_html(self) -> str:
        if len(self._selected) < 2:
            if not self._selected:
                return page(['<p class="muted">select runs to compare their parameters</p>'])
            params = tracking.get_run(self._selected[0]).params
            frame = pd.DataFrame({"param": list(params), "value": list(params.values())})
            return page([html_table(frame)])
        diff = compare_runs(self._selected, only_differences=True)
        diff = diff[diff["kind"] == "param"].drop(columns="kind")
        if diff.empty:
            return page(['<p class="muted">the selected runs have the same parameters</p>'])
        return page(["<b>parameters that differ</b>", html_table(diff)])

    def _render_page(self) -> None:
        first = self.offset + 1 if self.total else 0
        last = min(self.offset + self.page_size, self.total)
        self.page_label.value = f"runs {first}–{last} of {self.total}"
        self.prev_button.disabled = self.offset == 0
        self.next_button.disabled = last >= self.total
        options = (
            [(_label(row), row["run_id"]) for _, row in self.frame.iterrows()]
            if not self.frame.empty
            else []
        )
        self._syncing = True
        try:
            self.selector.options = options
            self.selector.rows = max(2, min(len(options), 10))
        finally:
            self._syncing = False
        self._sync_selector()
        self._render_table()

    def table_html(self) -> str:
        if self.frame.empty:
            hint = "no runs match" if self.filter_box.value else "no runs yet"
            return page([f'<p class="muted">{hint}</p>'])
        frame = self.frame.copy()
        frame.insert(0, "sel", ["●" if r in self._selected else "" for r in frame["run_id"]])
        frame["run_id"] = frame["run_id"].str[:8]
        shown = ["sel", "status", "name", "run_id", "experiment", "start_time"]
        shown += [c for c in frame.columns if c.startswith(("params.", "metrics."))]
        colours = {"status": [STATUS_COLOURS.get(s, "#fff") + "33" for s in frame["status"]]}
        return page(
            [
                '<div style="overflow-x:auto">',
                html_table(frame, columns=shown, colours=colours),
                "</div>",
            ]
        )

    def _render_table(self) -> None:
        self.table.value = self.table_html()

    # -- static ----------------------------------------------------------------
    def static_html(self) -> str:
        head = f"<b>{esc(self.page_label.value)}</b>"
        return page([head, self.table_html(), self.diff.value])

    def static_figure(self) -> dict[str, Any] | None:
        return self.figure or None


def runs(
    experiment: str | None = None,
    filter: str | None = None,
    order_by: str | None = None,
    *,
    page_size: int = 25,
    select: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
) -> RunsView:
    """A runs table with selection; the selected runs' curves, latest metrics and param diff.

    ``select`` picks runs up front (default: the three newest on the first
    page); ``metrics`` the curves to draw (default: the first metric).
    """
    return RunsView(
        experiment, filter, order_by, page_size=page_size, select=select, metrics=metrics
    )
