"""Scored rows to bootstrap samples of every metric, per group, for one model or a pair.

A pair is resampled through the same cells (the slice value, the true class
and both models' predictions), so each resample holds the same rows for both
models: the paired bootstrap the champion-challenger differences need.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import bootstrap
from .metrics import auc_classes, classifier_from_cells, regressor_from_cells, row_log_loss

_CHUNK_CELLS = 2_000_000  # resamples x cells x values held at once


@dataclass(frozen=True)
class Scored:
    """One model's scores of the rows: classifier labels as indices into ``classes``."""

    kind: str  # "classifier" or "regressor"
    truth: np.ndarray
    pred: np.ndarray
    proba: np.ndarray | None = None
    classes: tuple | None = None

    @property
    def n_classes(self) -> int:
        return len(self.classes or ())


def _values(m: Scored, codes: np.ndarray) -> np.ndarray:
    """Per-row values whose cell sums the metrics read (see ``metrics.*_from_cells``)."""
    if m.kind == "regressor":
        e = m.pred - m.truth
        return np.column_stack([np.abs(e), e * e, m.truth, m.truth * m.truth])
    if m.proba is None:
        return np.zeros((len(codes), 0))
    cols = [row_log_loss(m.truth, m.proba)]
    for c in auc_classes(m.n_classes):
        cols.append(bootstrap.placements(codes, m.truth == c, m.proba[:, c]))
    return np.column_stack(cols)


Split = Callable[[np.ndarray, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]


def _layout(models: Sequence[Scored], codes: np.ndarray, n_groups: int):
    """(cell of each row, per-row values, number of cells, split of cell stats per model)."""
    vals = [_values(m, codes) for m in models]
    widths = [v.shape[1] for v in vals]
    values = np.column_stack(vals) if sum(widths) else np.zeros((len(codes), 1))
    first = models[0]
    if first.kind == "regressor":

        def split_r(counts, sums):
            lead = counts.shape[:-1]
            c = counts.reshape(*lead, n_groups)
            s = sums.reshape(*lead, n_groups, -1)
            return [(c, s[..., 4 * i : 4 * i + 4]) for i in range(len(models))]

        return codes, values, n_groups, split_r
    k = first.n_classes
    cells = codes * k + first.truth
    for m in models:
        cells = cells * k + m.pred
    shape = (n_groups, k) + (k,) * len(models)
    starts = np.cumsum([0, *widths])

    def split_c(counts, sums):
        lead = counts.shape[:-1]
        c = counts.reshape(*lead, *shape)
        s = sums.reshape(*lead, *shape, -1)
        out = []
        for i in range(len(models)):
            other = tuple(len(lead) + 2 + j for j in range(len(models)) if j != i)
            ci = c.sum(axis=other) if other else c
            si = s.sum(axis=other) if other else s
            part = si[..., starts[i] : starts[i + 1]] if widths[i] else None
            out.append((ci, part))
        return out

    return cells, values, int(np.prod(shape)), split_c


def _metrics(m: Scored, counts, sums, theta=None):
    if m.kind == "regressor":
        return regressor_from_cells(counts, sums), None
    return classifier_from_cells(counts, sums, theta)


def grouped_samples(
    models: Sequence[Scored],
    codes: np.ndarray,
    n_groups: int,
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[dict[str, np.ndarray]], list[dict[str, np.ndarray]]]:
    """(rows per group, per model its metrics on the data ``(V,)``, and on resamples ``(B, V)``)."""
    cells, values, n_cells, split = _layout(models, codes, n_groups)
    stats = bootstrap.cell_stats(cells, values, n_cells)
    counts, sums = bootstrap.observed(stats)
    observed, thetas = [], []
    for m, (c, s) in zip(models, split(counts, sums), strict=True):
        found, theta = _metrics(m, c, s)
        observed.append({k: v[0] for k, v in found.items()})
        thetas.append(theta)
    samples: list[dict[str, list]] = [{} for _ in models]
    chunk = max(1, min(n_boot, _CHUNK_CELLS // max(1, n_cells * values.shape[1])))
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        counts, sums = bootstrap.resample(stats, size, rng)
        for i, (m, (c, s)) in enumerate(zip(models, split(counts, sums), strict=True)):
            for key, arr in _metrics(m, c, s, thetas[i])[0].items():
                samples[i].setdefault(key, []).append(arr)
        done += size
    rows = np.bincount(codes, minlength=n_groups)
    stacked = [{k: np.concatenate(v) for k, v in s.items()} for s in samples]
    return rows, observed, stacked
