"""docs/openapi.yaml documents exactly the routes the extension serves."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from jupyter_mlops.server.app import all_handlers

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def _template(pattern: str) -> str:
    path = pattern.removeprefix("/mlops/api")
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)


def test_every_route_is_documented_and_nothing_else():
    spec = yaml.safe_load(DOC.read_text())
    served = {_template(pattern) for pattern, *_ in all_handlers()}
    assert served == set(spec["paths"])


def test_documented_methods_exist_on_the_handlers():
    spec = yaml.safe_load(DOC.read_text())
    handlers = {_template(pattern): handler for pattern, handler, *_ in all_handlers()}
    for path, item in spec["paths"].items():
        for method in ("get", "post", "patch", "delete"):
            if method in item:
                assert method in vars(handlers[path]), f"{method.upper()} {path}"
