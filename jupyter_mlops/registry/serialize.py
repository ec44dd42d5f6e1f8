"""Turning models into bytes and back, safely.

scikit-learn models go through skops, which reads a dump without executing it
and lists the types it would have to build. A dump loads without trust only
when every type is on the explicit allow-list of ``trust.py`` and it stores
no function the user has not named (``trusted=["numpy.log1p"]``);
``trusted=True`` accepts anything. joblib and pickle run arbitrary code when
loaded, so they are written and read only with ``trusted=True``.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from ..errors import InvalidArgument, MlopsError
from .trust import Trust, check_trusted, untrusted

FORMATS = ("skops", "joblib", "pickle")
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


def unsafe_types(data: bytes, trusted: Trust = False) -> list[str]:
    """The types and functions of a skops dump that are neither allowed nor named in ``trusted``."""
    trust = check_trusted(trusted)
    if trust is True:
        return []
    return untrusted(data, trust or frozenset())


def _refuse(what: str, format: str) -> UntrustedModel:
    return UntrustedModel(
        f"{what} uses {format}, which runs arbitrary code when loaded; pass trusted=True "
        "only if you trust whoever produced it (a list of names is not enough; "
        "scikit-learn models are stored safely with skops)"
    )


def _refuse_skops(what: str, bad: list[str]) -> UntrustedModel:
    return UntrustedModel(
        f"{what} needs types or functions that are not on the allow-list of scikit-learn "
        f"and numpy types: {', '.join(bad)} (a function stored in a model runs when it "
        f"predicts); check them, then pass trusted={bad!r} to accept exactly these, "
        "or trusted=True to accept anything"
    )


def dump(model: Any, format: str | None = None, *, trusted: Trust = False) -> tuple[bytes, str]:
    """Serialize a fitted model; returns (bytes, format). skops for scikit-learn by default."""
    check_is_model(model)
    trust = check_trusted(trusted)
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
        bad = unsafe_types(data, trust)
        if bad:
            raise _refuse_skops(f"loading this {class_path(model)} back", bad)
        return data, format
    if trust is not True:
        raise _refuse(f"storing a {class_path(model)}", format)
    if format == "joblib":
        import joblib

        buf = io.BytesIO()
        joblib.dump(model, buf)
        return buf.getvalue(), format
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), format


def load(data: bytes, format: str, *, trusted: Trust = False) -> Any:
    """Rebuild a model from bytes; refuses pickle-based formats and unknown types unless trusted.

    Nothing of the model runs before the check: skops builds no object while listing types.
    """
    check_format(format)
    trust = check_trusted(trusted)
    if format == "skops":
        import skops.io as sio

        bad = unsafe_types(data, trust)
        if bad:
            raise _refuse_skops("this skops model", bad)
        return sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    if trust is not True:
        raise _refuse("this model version", format)
    if format == "joblib":
        import joblib

        return joblib.load(io.BytesIO(data))
    return pickle.loads(data)
