"""A seeded bootstrap of per-cell sufficient statistics, vectorised over resamples.

Rows are grouped into cells (a slice value crossed with the true class and the
predicted class of each model, or only the slice value for a regressor). A
bootstrap resample of ``n`` rows drawn with replacement puts
``Multinomial(n, n_k / n)`` rows in cell ``k``: that draw is exact, and it is
all the counting metrics (accuracy, precision, recall, F1, McNemar) need, so
1,000 resamples of 100,000 rows cost 1,000 multinomial draws over a few dozen
cells instead of 10^8 row gathers.

Metrics that average a continuous per-row value (log loss, the placement values
AUC is the mean of, absolute and squared errors) also need the sum of that value
over the drawn rows of each cell. Given the cell's count ``c``, that sum is drawn
from the normal with the cell's exact mean and covariance (``c * mean``,
``c * cov``): the central-limit shortcut over the rows inside one cell, exact
in its first two moments. Nothing is refitted; the model is scored once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_ROWS = 30  # a slice with fewer rows gets no interval (its bootstrap says nothing useful)


@dataclass(frozen=True)
class CellStats:
    """Count, mean and a square root of the covariance of each cell's per-row values."""

    n: np.ndarray  # (K,) rows per cell
    mean: np.ndarray  # (K, Q)
    root: np.ndarray  # (K, Q, Q) with root @ root.T == covariance

    @property
    def total(self) -> int:
        return int(self.n.sum())


def cell_stats(codes: np.ndarray, values: np.ndarray, n_cells: int) -> CellStats:
    """Per-cell statistics of ``values`` (rows x Q) for rows coded ``0 .. n_cells - 1``."""
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(values, dtype=float).reshape(len(codes), -1)
    q = values.shape[1]
    n = np.bincount(codes, minlength=n_cells).astype(float)
    safe = np.maximum(n, 1.0)
    mean = np.stack([np.bincount(codes, values[:, j], n_cells) for j in range(q)], axis=1)
    mean = mean / safe[:, None]
    centred = values - mean[codes]
    cov = np.empty((n_cells, q, q))
    for i in range(q):
        for j in range(i, q):
            cov[:, i, j] = cov[:, j, i] = np.bincount(codes, centred[:, i] * centred[:, j], n_cells)
    cov /= safe[:, None, None]
    eigval, eigvec = np.linalg.eigh(cov)
    root = eigvec * np.sqrt(np.clip(eigval, 0.0, None))[:, None, :]
    return CellStats(n, mean, root)


def observed(stats: CellStats) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, sums)`` of the data itself, shaped like one resample: (1, K), (1, K, Q)."""
    return stats.n[None, :], (stats.n[:, None] * stats.mean)[None, :, :]


def resample(
    stats: CellStats, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, sums)`` of ``n_boot`` resamples: (B, K) and (B, K, Q)."""
    total = stats.total
    p = stats.n / total
    counts = rng.multinomial(total, p / p.sum(), size=n_boot).astype(float)
    z = rng.standard_normal((n_boot, *stats.mean.shape))
    noise = np.einsum("bkq,krq->bkr", z, stats.root)
    sums = counts[:, :, None] * stats.mean + np.sqrt(counts)[:, :, None] * noise
    return counts, sums


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper percentile bounds over the first axis (NaN resamples ignored)."""
    alpha = (1.0 - confidence) / 2.0
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanquantile(samples, [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def group_midranks(groups: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank) of ``scores`` within each group."""
    n = len(scores)
    order = np.lexsort((scores, groups))
    g, s = groups[order], scores[order]
    new_group = np.r_[True, g[1:] != g[:-1]]
    new_run = new_group | np.r_[True, s[1:] != s[:-1]]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    run_id = np.cumsum(new_run) - 1
    run_start = pos[new_run]
    run_end = np.r_[run_start[1:], n] - 1
    mid = (run_start + run_end) / 2.0
    ranks = np.empty(n)
    ranks[order] = mid[run_id] - group_start + 1.0
    return ranks


def placements(groups: np.ndarray, positive: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """DeLong's placement values within each group: AUC is their mean over either class.

    A positive row gets the share of its group's negatives scored below it (ties
    count half), a negative row the share of positives scored above it.
    """
    positive = positive.astype(bool)
    all_ranks = group_midranks(groups, scores)
    own = np.empty(len(scores))
    for flag in (True, False):
        mask = positive == flag
        own[mask] = group_midranks(groups[mask], scores[mask])
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    n_pos = np.bincount(groups, positive, n_groups)
    n_neg = np.bincount(groups, ~positive, n_groups)
    below = all_ranks - own  # rows of the other class scored below (ties half)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(positive, below / n_neg[groups], (n_pos[groups] - below) / n_pos[groups])
