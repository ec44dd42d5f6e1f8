"""scikit-learn autolog: wrap ``fit`` of every estimator class, record what sklearn reports.

Classes already imported are patched when autolog is enabled; classes defined
later (an ``import sklearn.ensemble`` after ``autolog()``, user subclasses) are
patched as they are created, through ``BaseEstimator.__init_subclass__``.
Only the fits the user calls are recorded, as MLflow patches only top-level
calls: a fit made while another patched fit runs (a Pipeline's steps, a
search's inner fits) or by any scikit-learn function (``f1_score`` fitting a
``LabelEncoder``, ``cross_val_score`` fitting clones) is part of that call.
Disabling puts every original method back.

Nothing is invented: the metric is ``estimator.score`` on the training data
(``training_score``), search estimators add ``best_score_`` and ``cv_results_``.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
import threading
import warnings
from typing import Any

from ...errors import Conflict
from ...naming import public_path
from ...store.entities import RunStatus
from ..run import Run, active_run

FIT_METHODS = ("fit", "fit_transform", "fit_predict")
MAX_PARAM_TEXT = 500
MODEL_ARTIFACT = "model.skops"
SCHEMA_ARTIFACT = "input_schema.json"
CV_ARTIFACT = "cv_results.csv"


def _is_sklearn(frame) -> bool:
    module = frame.f_globals.get("__name__") or ""
    return module == "sklearn" or module.startswith("sklearn.")


def called_by_sklearn(estimator: Any, frame) -> bool:
    """Whether scikit-learn code other than ``estimator``'s own methods is on the stack.

    ``TransformerMixin.fit_transform`` and the ``set_output`` wrappers are
    sklearn frames of the same call (their first argument is ``estimator``);
    any other sklearn frame (a metric, ``cross_val_score``, a meta-estimator,
    a ``FunctionTransformer`` calling user code) makes the fit internal.
    """
    while frame is not None:
        if _is_sklearn(frame):
            code = frame.f_code
            first = code.co_varnames[0] if code.co_argcount else None
            if first is None or frame.f_locals.get(first) is not estimator:
                return True
        frame = frame.f_back
    return False


def _all_subclasses(cls: type) -> list[type]:
    found, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


class SklearnAutolog:
    """One enabled autolog: the patched methods and how to record a fit."""

    def __init__(
        self, *, log_models: bool = True, cv_child_runs: bool = True, max_child_runs: int = 500
    ) -> None:
        self.log_models = log_models
        self.cv_child_runs = cv_child_runs
        self.max_child_runs = max_child_runs
        self._originals: dict[tuple[type, str], Any] = {}
        self._fitted_runs: set[str] = set()
        self._depth = 0
        self._lock = threading.Lock()
        self._enabled = False

    # -- patching ------------------------------------------------------------
    def enable(self) -> None:
        from sklearn.base import BaseEstimator

        self._enabled = True
        for cls in _all_subclasses(BaseEstimator):
            self._patch(cls)
        patcher = self

        def __init_subclass__(cls, **kwargs):
            super(BaseEstimator, cls).__init_subclass__(**kwargs)
            if patcher._enabled:
                patcher._patch(cls)

        BaseEstimator.__init_subclass__ = classmethod(__init_subclass__)

    def disable(self) -> None:
        from sklearn.base import BaseEstimator

        self._enabled = False
        if "__init_subclass__" in BaseEstimator.__dict__:
            del BaseEstimator.__init_subclass__
        for (cls, name), original in self._originals.items():
            setattr(cls, name, original)
        self._originals.clear()

    def _patch(self, cls: type) -> None:
        for name in FIT_METHODS:
            original = cls.__dict__.get(name)
            if not inspect.isfunction(original) or (cls, name) in self._originals:
                continue
            self._originals[(cls, name)] = original
            setattr(cls, name, self._wrap(original, name))

    def _wrap(self, original, method: str):
        patcher = self

        @functools.wraps(original)
        def fit(estimator, *args, **kwargs):
            with patcher._lock:
                outer = patcher._enabled and patcher._depth == 0
                patcher._depth += 1
            try:
                if not outer or called_by_sklearn(estimator, sys._getframe(1)):
                    return original(estimator, *args, **kwargs)
                return patcher._fit(estimator, original, method, args, kwargs)
            finally:
                with patcher._lock:
                    patcher._depth -= 1

        fit.__mlops_original__ = original
        return fit

    # -- recording -----------------------------------------------------------
    def _fit(self, estimator, original, method: str, args: tuple, kwargs: dict):
        X = args[0] if args else kwargs.get("X")
        y = args[1] if len(args) > 1 else kwargs.get("y", kwargs.get("Y"))
        own = None
        try:
            own = self._target_run(estimator)
            target = own or active_run()
            self._safe(self._log_start, target, estimator, method)
        except Exception as exc:
            _warn(f"autolog could not open a run for {type(estimator).__name__}: {exc}")
            return original(estimator, *args, **kwargs)
        try:
            result = original(estimator, *args, **kwargs)
        except BaseException as exc:
            if own is not None:
                own.end_with(exc)
            raise
        try:
            self._safe(self._log_result, target, estimator, X, y, kwargs)
        finally:
            if own is not None:
                own.end_with(None)
        return result

    def _target_run(self, estimator) -> Run | None:
        """A run of our own, or None to record into the active run."""
        from ..api import start_run

        current = active_run()
        name = type(estimator).__name__
        tags = {"mlops.autolog": "sklearn"}
        if current is None or current.ended:
            return start_run(name, tags=tags, parent=None)
        if current.id in self._fitted_runs:
            # A second fit in the same run: a child run, so params never collide.
            return start_run(
                name,
                experiment=current.experiment,
                tags=tags,
                parent=current,
                capture_context=False,
                context={"autolog_child": True},
            )
        return None

    def _safe(self, func, *args) -> None:
        try:
            func(*args)
        except Exception as exc:
            _warn(f"autolog could not record everything: {type(exc).__name__}: {exc}")

    def _log_start(self, run: Run, estimator, method: str) -> None:
        self._fitted_runs.add(run.id)
        run.set_tags(
            {
                "estimator_class": public_path(type(estimator)),
                "estimator_name": type(estimator).__name__,
                "estimator_method": method,
                "mlops.autolog": "sklearn",
            }
        )
        _log_params(run, _params_text(estimator.get_params(deep=True)))

    def _log_result(self, run: Run, estimator, X, y, kwargs: dict) -> None:
        self._safe(self._log_score, run, estimator, X, y, kwargs)
        self._safe(self._log_schema, run, X, y)
        if hasattr(estimator, "cv_results_"):
            self._safe(self._log_search, run, estimator)
        if self.log_models:
            self._safe(self._log_model, run, estimator)

    def _log_score(self, run: Run, estimator, X, y, kwargs: dict) -> None:
        if X is None or not callable(getattr(estimator, "score", None)):
            return
        extra = {}
        if kwargs.get("sample_weight") is not None:
            extra["sample_weight"] = kwargs["sample_weight"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                score = estimator.score(X, y, **extra) if y is not None else estimator.score(X)
            except (TypeError, ValueError, AttributeError):
                return
        run.log_metric("training_score", float(score))

    def _log_schema(self, run: Run, X, y) -> None:
        schema = {"X": input_schema(X)}
        if y is not None:
            schema["y"] = input_schema(y)
        run.log_artifact(json.dumps(schema, indent=2).encode(), SCHEMA_ARTIFACT)

    def _log_model(self, run: Run, estimator) -> None:
        from ... import skops_bytes

        run.log_artifact(skops_bytes.dumps(estimator), MODEL_ARTIFACT)

    def _log_search(self, run: Run, estimator) -> None:
        import pandas as pd

        results = estimator.cv_results_
        if getattr(estimator, "best_score_", None) is not None:
            run.log_metric("best_cv_score", float(estimator.best_score_))
        best = getattr(estimator, "best_params_", None)
        if best:
            _log_params(run, _params_text({f"best.{k}": v for k, v in best.items()}))
        frame = pd.DataFrame(results)
        run.log_artifact(frame.to_csv(index=False).encode(), CV_ARTIFACT)
        if not self.cv_child_runs:
            return
        candidates = results.get("params", [])
        if len(candidates) > self.max_child_runs:
            _warn(
                f"autolog: {len(candidates)} search candidates, recording the first "
                f"{self.max_child_runs} as child runs (all are in {CV_ARTIFACT})"
            )
        numeric = [
            k
            for k, v in results.items()
            if k != "params" and not k.startswith("param_") and _is_numeric_column(v)
        ]
        for i, params in enumerate(candidates[: self.max_child_runs]):
            _candidate_run(run, estimator, i, params, {k: results[k][i] for k in numeric})


def _candidate_run(parent: Run, estimator, i: int, params: dict, metrics: dict) -> None:
    from ..api import start_run

    child = start_run(
        f"{type(estimator).__name__} candidate {i}",
        experiment=parent.experiment,
        params=_params_text(params),
        tags={"mlops.autolog": "sklearn", "cv_candidate": i},
        parent=parent,
        capture_context=False,
        context={"autolog_child": True},
    )
    try:
        child.log_metrics({k: float(v) for k, v in metrics.items()}, step=0)
    finally:
        child.end(RunStatus.FINISHED)


def _is_numeric_column(values) -> bool:
    import numpy as np

    try:
        return np.issubdtype(np.asarray(values).dtype, np.number)
    except Exception:
        return False


def _params_text(params: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in params.items():
        text = value if isinstance(value, str) else repr(value)
        if len(text) > MAX_PARAM_TEXT:
            text = text[: MAX_PARAM_TEXT - 1] + "…"
        out[str(key)] = text
    return out


def _log_params(run: Run, params: dict[str, str]) -> None:
    """Log all params; keys the run already holds with another value are skipped and named."""
    try:
        run.log_params(params)
        return
    except Conflict:
        pass
    clashes = []
    for key, value in params.items():
        try:
            run.log_param(key, value)
        except Conflict:
            clashes.append(key)
    if clashes:
        _warn(f"autolog kept the values already logged for params {', '.join(clashes)}")


def input_schema(data) -> dict[str, Any]:
    """Column names and dtypes of a frame; shape and dtype of an array."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return {
            "type": "DataFrame",
            "n_rows": len(data),
            "columns": [{"name": str(c), "dtype": str(t)} for c, t in data.dtypes.items()],
        }
    if isinstance(data, pd.Series):
        return {"type": "Series", "n_rows": len(data), "name": data.name, "dtype": str(data.dtype)}
    if hasattr(data, "shape") and hasattr(data, "dtype"):
        kind = "sparse" if type(data).__module__.startswith("scipy") else type(data).__name__
        return {"type": kind, "shape": list(data.shape), "dtype": str(data.dtype)}
    try:
        arr = np.asarray(data)
        return {"type": type(data).__name__, "shape": list(arr.shape), "dtype": str(arr.dtype)}
    except Exception:
        return {"type": type(data).__name__}


def load_model(run_id: str, name: str = MODEL_ARTIFACT, trusted: bool | list[str] = False):
    """Load an autologged model, with the registry's trust rule (``registry/serialize.py``).

    Types and functions outside scikit-learn's own must be named in ``trusted``;
    nothing of the model runs before that check.
    """
    from ...registry.serialize import load
    from ..api import load_artifact

    return load(load_artifact(run_id, name), "skops", trusted=trusted)


def _warn(message: str) -> None:
    warnings.warn(message, RuntimeWarning, stacklevel=4)
