"""Model evaluation on stored snapshots: metrics overall and by slice, with intervals.

``evaluate(model, data=, target=, slices=)`` records an evaluation linked to
the model version and the snapshot; ``compare_models(champion, challenger)``
pairs two models on the same rows. The gate language reads both
(``promote_model(..., on="holdout@latest")``).
"""

from .compare import ModelComparison, compare_models
from .evaluate import evaluate
from .result import Evaluation

__all__ = ["Evaluation", "ModelComparison", "compare_models", "evaluate"]
