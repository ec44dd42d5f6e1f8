"""Who may call the model server: an optional bearer token, and a warning when it is exposed."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..errors import InvalidArgument


def check_token(token: Any) -> bytes | None:
    """The token as bytes for a constant-time comparison; its value never appears in errors."""
    if token is None:
        return None
    if not isinstance(token, str) or not token or any(c.isspace() for c in token):
        shown = type(token).__name__ if not isinstance(token, str) else f"{len(token)} characters"
        raise InvalidArgument("token", "a non-empty string without spaces", shown)
    return token.encode()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, token: str | None) -> str | None:
    """What to tell someone binding beyond loopback without a token (None when fine)."""
    if token is not None or is_loopback(host):
        return None
    return (
        f"binding {host or 'every interface'} without a token: anyone who can reach it can "
        "call /predict and /metadata; pass --token (or set MLOPS_SERVE_TOKEN)"
    )
