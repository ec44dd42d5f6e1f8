"""The model registry: versions, aliases, gated promotion, lineage and serving.

Public functions are listed in ``__all__`` and re-exported by ``jupyter_mlops``.
"""

from .aliases import AliasMove, alias_history, delete_alias, set_alias
from .gate_rules import Gate, parse_gates
from .gates import GateCheck, GateFailed, ModelPromotion, promote, promote_model
from .lineage import Lineage, lineage
from .models import (
    get_model,
    get_model_version,
    list_models,
    list_versions,
    load_model,
    register_model,
)
from .serialize import UntrustedModel
from .signature import Signature

__all__ = [
    "AliasMove",
    "Gate",
    "GateCheck",
    "GateFailed",
    "Lineage",
    "ModelPromotion",
    "Signature",
    "UntrustedModel",
    "alias_history",
    "delete_alias",
    "get_model",
    "get_model_version",
    "lineage",
    "list_models",
    "list_versions",
    "load_model",
    "parse_gates",
    "promote",
    "promote_model",
    "register_model",
    "serve_model",
    "set_alias",
    "start_server",
]


def serve_model(*args, **kwargs):
    """Serve a model over HTTP until interrupted; see ``jupyter_mlops.registry.serve.serve``."""
    from .serve import serve

    return serve(*args, **kwargs)


def start_server(*args, **kwargs):
    """Serve a model from a background thread; see ``jupyter_mlops.registry.serve.start_background``."""
    from .serve import start_background

    return start_background(*args, **kwargs)
