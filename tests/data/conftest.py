"""Frames for the data tests, generated (no downloads)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_frame(n: int = 2000, seed: int = 0, shift: float = 0.0, mix=None) -> pd.DataFrame:
    """Two numeric, one categorical, one bool and one datetime column."""
    rng = np.random.default_rng(seed)
    mix = mix or [0.5, 0.3, 0.2]
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1.0, n),
            "y": rng.exponential(2.0, n),
            "city": rng.choice(["paris", "rome", "oslo"], size=n, p=mix),
            "flag": rng.random(n) < 0.3,
            "when": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 86400 * 30, n), "s"),
        }
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_frame()
