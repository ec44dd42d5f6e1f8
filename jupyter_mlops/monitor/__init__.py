"""Production monitoring: the inference log of served and batch-scored rows, and late labels.

Public functions are listed in ``__all__`` and re-exported by ``jupyter_mlops``.
"""

from .labels import LabelOutcome, UnknownPredictions, log_labels
from .log import InferenceLog, LogOptions, PredictionIds  # noqa: F401  (for the faces and batch scoring)
from .windows import WindowInfo, get_window, list_windows, load_window, window_profile

__all__ = [
    "LabelOutcome",
    "UnknownPredictions",
    "WindowInfo",
    "get_window",
    "list_windows",
    "load_window",
    "log_labels",
    "window_profile",
]
