"""Turning models into bytes and back, safely.

scikit-learn models go through skops, which reads a dump without executing it
and lists the types it would have to build. Only types from scikit-learn and
numpy (beyond skops' own safe defaults) are accepted unless the caller passes
``trusted=True``. joblib and pickle run arbitrary code when loaded, so they
are written and read only with ``trusted=True``.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from ..errors import InvalidArgument, MlopsError

FORMATS = ("skops", "joblib", "pickle")
SAFE_TYPE_PREFIXES = ("sklearn.", "numpy.")
_SUFFIXES = {".skops": "skops", ".joblib": "joblib", ".pkl": "pickle", ".pickle": "pickle"}


class UntrustedModel(MlopsError):
    """Loading (or storing) this model would execute code the user has not said they trust."""


def class_path(obj: Any) -> str:
    from ..naming import public_path

    return public_path(type(obj))


def check_is_model(obj: Any) -> None:
    """A model is something with a callable ``predict`` (a fitted estimator or pipeline)."""
    if not callable(getattr(obj, "predict", None)) or isinstance(obj, type):
        raise InvalidArgument(
            "model",
            "a fitted model object with a predict() method (e.g. a scikit-learn estimator)",
            type(obj).__name__ if not isinstance(obj, type) else f"the class {obj.__name__}",
        )


def is_sklearn(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "sklearn"


def check_format(format: Any) -> str:
    if format not in FORMATS:
        raise InvalidArgument("format", "one of " + ", ".join(FORMATS), format)
    return format


def format_from_name(name: str) -> str | None:
    for suffix, fmt in _SUFFIXES.items():
        if name.lower().endswith(suffix):
            return fmt
    return None


def unsafe_types(data: bytes) -> list[str]:
    """Types a skops dump needs beyond skops' defaults and scikit-learn/numpy."""
    import skops.io as sio

    return [t for t in sio.get_untrusted_types(data=data) if not t.startswith(SAFE_TYPE_PREFIXES)]


def _refuse(what: str, format: str) -> UntrustedModel:
    return UntrustedModel(
        f"{what} uses {format}, which runs arbitrary code when loaded; pass trusted=True "
        "only if you trust whoever produced it (scikit-learn models are stored safely with skops)"
    )


def dump(model: Any, format: str | None = None, *, trusted: bool = False) -> tuple[bytes, str]:
    """Serialize a fitted model; returns (bytes, format). skops for scikit-learn by default."""
    check_is_model(model)
    if format is None:
        format = "skops" if is_sklearn(model) else "joblib"
    check_format(format)
    if format == "skops":
        from .. import skops_bytes

        try:
            data = skops_bytes.dumps(model)
        except Exception as exc:
            raise InvalidArgument(
                "model", "an object skops can serialize", class_path(model), hint=str(exc)
            ) from exc
        bad = unsafe_types(data)
        if bad and not trusted:
            raise UntrustedModel(
                f"the model needs types outside scikit-learn and numpy to be loaded: "
                f"{', '.join(bad)}; pass trusted=True if you trust them"
            )
        return data, format
    if not trusted:
        raise _refuse(f"storing a {class_path(model)}", format)
    if format == "joblib":
        import joblib

        buf = io.BytesIO()
        joblib.dump(model, buf)
        return buf.getvalue(), format
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), format


def load(data: bytes, format: str, *, trusted: bool = False) -> Any:
    """Rebuild a model from bytes; refuses pickle-based formats and unknown types unless trusted."""
    check_format(format)
    if format == "skops":
        import skops.io as sio

        bad = unsafe_types(data)
        if bad and not trusted:
            raise UntrustedModel(
                f"this skops model needs types outside scikit-learn and numpy: "
                f"{', '.join(bad)}; pass trusted=True if you trust them"
            )
        return sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    if not trusted:
        raise _refuse("this model version", format)
    if format == "joblib":
        import joblib

        return joblib.load(io.BytesIO(data))
    return pickle.loads(data)
