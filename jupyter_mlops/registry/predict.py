"""Turn validated payload columns into model input and predictions, fast for one row.

Building a pandas DataFrame costs far more than a one-row prediction, so when
every input is numeric and the model accepts a plain array (checked once with
a probe row when the model is loaded) the columns go into a float array in the
order the model was fitted on. Otherwise a DataFrame is built.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .signature import NUMERIC, PayloadError, Signature


class Predictor:
    def __init__(self, model: Any, signature: Signature) -> None:
        self.model = model
        self.signature = signature
        fitted = getattr(model, "feature_names_in_", None)
        names = signature.columns
        if fitted is not None and set(map(str, fitted)) == set(names):
            self.order = [str(n) for n in fitted]
        else:
            self.order = names
        self._named_fit = fitted is not None
        self.use_array = (
            signature.inputs is not None
            and all(c.type in NUMERIC for c in signature.inputs)
            and self._probe()
        )
        self.has_proba = callable(getattr(model, "predict_proba", None))
        # Payload validation already refused non-numbers, NaN and infinities for
        # columns that are not nullable, so scikit-learn need not scan for them again.
        self.finite = self.use_array and not any(c.nullable for c in signature.inputs or ())

    def _probe(self) -> bool:
        try:
            self._call(np.zeros((1, len(self.order))), proba=False)
        except Exception:
            return False
        return True

    def _call(self, x: Any, proba: bool) -> Any:
        fn = self.model.predict_proba if proba else self.model.predict
        if getattr(self, "finite", False):
            import sklearn

            with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
                return self._quiet(fn, x)
        return self._quiet(fn, x)

    def _quiet(self, fn: Any, x: Any) -> Any:
        if self._named_fit and isinstance(x, np.ndarray):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return fn(x)
        return fn(x)

    def matrix(self, columns: dict[str, list]) -> Any:
        if self.use_array:
            return np.array([columns[c] for c in self.order], dtype=np.float64).T
        import pandas as pd

        frame = pd.DataFrame(columns)
        return frame[self.order] if self.order else frame

    def predict(self, columns: dict[str, list], *, proba: bool = False) -> list:
        """Predictions as plain JSON values; ``proba`` gives class probabilities."""
        if proba and not self.has_proba:
            raise PayloadError("this model does not give probabilities (no predict_proba)")
        out = self._call(self.matrix(columns), proba)
        return np.asarray(out).tolist()
