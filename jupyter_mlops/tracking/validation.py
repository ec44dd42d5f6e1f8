"""Checks on what users log. Each failure names the argument and what was expected.

Documented behaviour:

* Keys (params, metrics, tags, artifact names): 1 to 250 characters of
  letters, digits, ``_ - . : /`` and spaces. ``/`` groups keys
  (``train/loss``); it never becomes a filesystem path. No leading or
  trailing ``/``, no empty or ``..`` segment, no control characters, no ``\\``.
* Param values: stored as text, at most ``MAX_PARAM_LENGTH`` characters;
  immutable once logged.
* Metric values: real numbers (``int``, ``float``, numpy scalars, ``bool`` as
  0/1). ``NaN`` and ``±inf`` are stored and shown as such. Strings are refused,
  even numeric-looking ones: a metric is never guessed from text.
* Steps: integers from 0 to ``2**63 - 1`` (a signed 64-bit integer, as every
  store keeps them); by default each key counts its own steps from 0.
* Timestamps: seconds since the epoch, finite, within the signed 64-bit range
  once in milliseconds (as MLflow clients send them).
"""

from __future__ import annotations

import math
import numbers
import re

from ..errors import InvalidArgument

MAX_KEY_LENGTH = 250
MAX_PARAM_LENGTH = 6000
MAX_TAG_LENGTH = 8000
MAX_STEP = 2**63 - 1
MAX_TIMESTAMP = MAX_STEP / 1000

_KEY = re.compile(r"^[A-Za-z0-9_\-.:/ ]+$")
# Keys already checked (a set lookup is the whole check on the hot path; bounded).
VALID_KEYS: set[str] = set()


def check_key(key: object, argument: str = "key") -> str:
    if key.__class__ is str and key in VALID_KEYS:
        return key  # type: ignore[return-value]
    if not isinstance(key, str):
        raise InvalidArgument(argument, "a string", type(key).__name__)
    if not key or not key.strip():
        raise InvalidArgument(argument, "a non-empty name", key)
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(
            argument, f"at most {MAX_KEY_LENGTH} characters", f"{len(key)} characters"
        )
    if not _KEY.match(key):
        bad = sorted({c for c in key if not _KEY.match(c)})
        raise InvalidArgument(
            argument,
            "letters, digits, spaces and _ - . : / only",
            key,
            hint=f"not allowed: {', '.join(repr(c) for c in bad)}",
        )
    segments = key.split("/")
    if any(s.strip() in ("", "..", ".") for s in segments):
        raise InvalidArgument(
            argument, "'/'-separated segments that are not empty, '.' or '..'", key
        )
    if len(VALID_KEYS) < 100_000:
        VALID_KEYS.add(key)
    return key


def param_to_text(key: str, value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_PARAM_LENGTH:
        raise InvalidArgument(
            f"param {key!r}",
            f"a value of at most {MAX_PARAM_LENGTH} characters",
            f"{len(text)} characters",
            hint="log long values as an artifact instead",
        )
    return text


def tag_to_text(key: str, value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TAG_LENGTH:
        raise InvalidArgument(
            f"tag {key!r}", f"at most {MAX_TAG_LENGTH} characters", f"{len(text)} characters"
        )
    return text


def check_metric_value(key: str, value: object) -> float:
    cls = value.__class__
    if cls is float:
        return value  # type: ignore[return-value]
    try:
        if cls is int:
            return float(value)  # type: ignore[arg-type]
        if isinstance(value, numbers.Real) and not isinstance(value, str):
            return float(value)
    except OverflowError:
        raise InvalidArgument(
            f"metric {key!r}",
            "a real number within a float's range (about ±1.8e308)",
            f"{cls.__name__} beyond a float",  # never repr: a huge int may not print
        ) from None
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return check_metric_value(key, value.item())
    raise InvalidArgument(
        f"metric {key!r}",
        "a real number (int, float, numpy scalar; NaN and inf are allowed)",
        value,
    )


_STEP_EXPECTED = f"an integer from 0 to {MAX_STEP} (2**63 - 1)"


def check_step(step: object) -> int:
    if step.__class__ is int and 0 <= step <= MAX_STEP:  # type: ignore[operator]
        return step  # type: ignore[return-value]
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        if isinstance(step, float) and step.is_integer() and 0 <= step <= MAX_STEP:
            return int(step)
        raise InvalidArgument("step", _STEP_EXPECTED, step)
    if not 0 <= step <= MAX_STEP:  # type: ignore[operator]
        raise InvalidArgument("step", _STEP_EXPECTED, step)
    return int(step)


def check_timestamp(timestamp: object) -> float:
    """Seconds since the epoch that every store (and an MLflow client, in ms) can hold."""
    if isinstance(timestamp, numbers.Real) and not isinstance(timestamp, bool):
        try:
            ts = float(timestamp)
        except OverflowError:
            ts = math.inf
        if -MAX_TIMESTAMP <= ts <= MAX_TIMESTAMP:
            return ts
    raise InvalidArgument(
        "timestamp",
        f"seconds since the epoch: a finite number within ±{MAX_TIMESTAMP:.4g}",
        timestamp,
    )


def is_nan(value: float) -> bool:
    return math.isnan(value)
