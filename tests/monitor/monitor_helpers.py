"""Real windows for monitor tests: rows logged through the inference log, seeded.

Windows hold more than 1000 rows, so drift is a distance (Wasserstein over the
reference std, drifted at 0.1), not a p-value that fires on 5% of quiet columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import jupyter_mlops as mlops
from jupyter_mlops.monitor import InferenceLog


def rows(seed: int, n: int = 2000, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(shift, 1, n), "b": rng.normal(shift, 1, n)})


def reference(seed: int = 100, n: int = 3000) -> None:
    """``train``: the columns the classifier takes, plus its target."""
    frame = rows(seed, n)
    frame["y"] = (frame.a > 0).astype(int)
    mlops.snapshot(frame, "train", run=False)


def serve(model, clock, frames: list[pd.DataFrame], name: str = "clf") -> list[list[str]]:
    """One closed window per frame (served under ``production``); the ids of each."""
    log = InferenceLog(name, tick=0.01, clock=clock)
    log.describe(1, ["a", "b"], {"a": "double", "b": "double"}, [0, 1])
    out = []
    for frame in frames:
        ids = log.ids.take(len(frame))
        preds = [int(p) for p in model.predict(frame)]
        log.record({c: list(frame[c]) for c in frame}, preds, ids, 1, "production")
        assert log.flush()
        clock.advance(10)
        out.append(ids)
    log.close()
    return out
