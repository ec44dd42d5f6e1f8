"""Champion against challenger on the same rows: paired bootstrap differences and McNemar.

Both models are evaluated on the snapshot (stored evaluations are reused,
with their stored scores of every row), then resampled through the same cells,
so each resample holds the same rows for both. A difference is the candidate's
metric minus the champion's; ``worse`` means its interval lies entirely on the
champion's side of zero (for log loss, MAE and RMSE lower is better).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidArgument
from ..store import get_store
from . import scoring
from .bootstrap import percentile_interval
from .engine import Scored
from .evaluate import evaluate, load_rows
from .inputs import slice_codes
from .metrics import LOWER_IS_BETTER, metric_names
from .result import Evaluation, html_table
from .summary import ALL, entry, grouping, point

__all__ = ["ModelComparison", "compare_models"]


@dataclass(frozen=True)
class ModelComparison:
    """``differences``: metric -> record; ``slices``: column -> one record per value."""

    champion: str
    candidate: str
    snapshot: str
    kind: str
    differences: dict[str, dict[str, Any]]
    slices: dict[str, list[dict[str, Any]]]
    mcnemar: dict[str, Any] | None
    evaluations: tuple[Evaluation, Evaluation] = field(repr=False)

    @property
    def main_metric(self) -> str:
        return "accuracy" if self.kind == "classifier" else "rmse"

    @property
    def verdict(self) -> str:
        """``better``, ``not worse`` or ``worse`` (overall, on every metric with an interval)."""
        diffs = self.differences.values()
        if any(d.get("worse") for d in diffs):
            return "worse"
        return "better" if self.differences[self.main_metric].get("better") else "not worse"

    def table(self) -> pd.DataFrame:
        rows = [
            (k, d["champion"], d["candidate"], d["value"], d["low"], d["high"], _word(d))
            for k, d in self.differences.items()
        ]
        cols = ["metric", "champion", "candidate", "difference", "low", "high", "verdict"]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        return {
            "champion": self.champion,
            "candidate": self.candidate,
            "snapshot": self.snapshot,
            "kind": self.kind,
            "verdict": self.verdict,
            "differences": self.differences,
            "slices": self.slices,
            "mcnemar": self.mcnemar,
        }

    def figures(self) -> list[dict[str, Any]]:
        from .figures import difference_figure

        return [difference_figure(self)] + [difference_figure(self, c) for c in self.slices]

    def _repr_html_(self) -> str:
        from .figures import html_figures

        head = (
            f"<p><b>{html.escape(self.candidate)}</b> against <b>{html.escape(self.champion)}</b>"
            f" on {html.escape(self.snapshot)}: <b>{self.verdict}</b></p>"
        )
        rows = [tuple(r) for r in self.table().itertuples(index=False)]
        head += html_table(rows, list(self.table().columns))
        return head + html_figures(self.figures())


def _word(d: dict[str, Any]) -> str:
    if d.get("note"):
        return d["note"]
    return "better" if d.get("better") else "worse" if d.get("worse") else "within noise"


def mcnemar(a: Scored, b: Scored, mask: np.ndarray | None = None) -> dict[str, Any]:
    """Exact McNemar test of accuracy: rows only one of the two models gets right."""
    from scipy.stats import binomtest

    sel = slice(None) if mask is None else mask
    right_a, right_b = a.pred[sel] == a.truth[sel], b.pred[sel] == b.truth[sel]
    only_a, only_b = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    p = 1.0 if only_a + only_b == 0 else float(binomtest(only_b, only_a + only_b, 0.5).pvalue)
    return {"champion_only": only_a, "candidate_only": only_b, "p_value": p}


def _differences(
    pair: list[Scored], codes: np.ndarray, labels: list[str], rng, opts: dict[str, Any]
) -> list[dict[str, Any]]:
    records, samples, rows = grouping(pair, codes, labels, opts["n"], rng, opts["confidence"])
    names = metric_names(pair[0].kind, pair[0].proba is not None and pair[1].proba is not None)
    out = []
    for v, label in enumerate(labels):
        mask = None if len(labels) == 1 else codes == v
        a, b = point(pair[0], mask), point(pair[1], mask)
        diffs = {}
        for k in names:
            lo, hi = percentile_interval(
                samples[1][k][:, v] - samples[0][k][:, v], opts["confidence"]
            )
            d = entry(b[k] - a[k], lo, hi, int(rows[v]))
            d.update(
                champion=records[0][v]["metrics"][k]["value"],
                candidate=records[1][v]["metrics"][k]["value"],
            )
            if d["low"] is not None:
                sign = -1.0 if k in LOWER_IS_BETTER else 1.0
                d["better"] = bool(min(sign * d["low"], sign * d["high"]) > 0)
                d["worse"] = bool(max(sign * d["low"], sign * d["high"]) < 0)
            diffs[k] = d
        item = {"value": label, "n": int(rows[v]), "differences": diffs}
        if pair[0].kind == "classifier":
            item["mcnemar"] = mcnemar(pair[0], pair[1], mask)
        out.append(item)
    return out


def _scored(ev: Evaluation, frame: pd.DataFrame, target: str) -> Scored:
    classes = ev.record.result.get("classes")
    y = frame[target]
    if ev.kind == "classifier":
        truth = pd.Index(classes).get_indexer(y.to_numpy())
        classes = tuple(classes)
    else:
        truth = y.to_numpy(dtype=float)
    data = get_store().blobs.get_bytes(ev.record.predictions_digest)
    return scoring.from_predictions(data, ev.kind, truth, classes)


def compare_models(
    champion: Any,
    challenger: Any,
    data: Any = "holdout@latest",
    target: str = "churned",
    slices: list[str] | str | None = None,
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    trusted: Any = False,
    **evaluate_kwargs: Any,
) -> ModelComparison:
    """Evaluate both models on ``data`` and report challenger minus champion, paired."""
    kw = dict(n_bootstrap=n_bootstrap, seed=seed, confidence=confidence, trusted=trusted)
    base = evaluate(champion, data, target, slices, **kw, **evaluate_kwargs)
    cand = evaluate(challenger, data, target, slices, **kw, **evaluate_kwargs)
    if base.kind != cand.kind or base.record.result.get("classes") != cand.record.result.get(
        "classes"
    ):
        raise InvalidArgument(
            "challenger",
            f"a {base.kind} with the champion's classes",
            cand.record.result.get("classes"),
        )
    from ..data.snapshot import get_snapshot

    info = get_snapshot(base.record.snapshot_id)
    columns = list(base.params["slices"])
    frame = load_rows(info, target, columns)
    pair = [_scored(base, frame, target), _scored(cand, frame, target)]
    rng = np.random.default_rng(seed)
    opts = {"n": n_bootstrap, "confidence": confidence}
    zeros = np.zeros(len(frame), dtype=np.int64)
    overall = _differences(pair, zeros, [ALL], rng, opts)[0]
    by_slice = {}
    for column in columns:
        codes, labels = slice_codes(frame, column)
        by_slice[column] = _differences(pair, codes, labels, rng, opts)
    return ModelComparison(
        base.model,
        cand.model,
        info.ref,
        base.kind,
        overall["differences"],
        by_slice,
        overall.get("mcnemar"),
        (base, cand),
    )
