"""Production monitoring: the inference log of served and batch-scored rows, and late labels.

Public functions are listed in ``__all__`` and re-exported by ``jupyter_mlops``.
"""

import sys
import types
from typing import Any

from .batch import BatchPrediction, predict
from .checks import MonitorRun, run_monitor
from .labels import LabelOutcome, UnknownPredictions, log_labels
from .log import InferenceLog, LogOptions, PredictionIds  # noqa: F401  (for the faces and batch scoring)
from .monitors import CheckInfo, MonitorInfo, delete_monitor, get_monitor, list_monitors, monitor
from .report import MonitorHistory, monitor_history
from .retrain import RetrainFailed, RetrainResult, retrain
from .windows import WindowInfo, get_window, list_windows, load_window, window_profile

__all__ = [
    "CheckInfo",
    "LabelOutcome",
    "MonitorHistory",
    "MonitorInfo",
    "MonitorRun",
    "UnknownPredictions",
    "WindowInfo",
    "delete_monitor",
    "get_monitor",
    "get_window",
    "list_monitors",
    "list_windows",
    "load_window",
    "log_labels",
    "monitor",
    "monitor_history",
    "run_monitor",
    "window_profile",
]
__all__ += ["BatchPrediction", "predict"]  # batch scoring
__all__ += ["RetrainFailed", "RetrainResult", "retrain"]  # the retraining loop


class _CallableModule(types.ModuleType):
    """``mlops.monitor(name, ...)`` declares a monitor while ``jupyter_mlops.monitor`` stays this package."""

    def __call__(self, *args: Any, **kwargs: Any) -> MonitorInfo:
        return monitor(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
