"""Public dotted paths of classes, as users import them."""

from __future__ import annotations

import sys
from typing import Any


def _lookup(module_name: str, qualname: str) -> Any:
    """``qualname`` in an already imported module, or None; never imports anything."""
    module = sys.modules.get(module_name)
    if module is None:
        return None
    first, *rest = qualname.split(".")
    obj = vars(module).get(first)  # not getattr: a lazy module __getattr__ would import
    for part in rest:
        obj = getattr(obj, part, None)
    return obj


def public_path(cls: type) -> str:
    """``sklearn.ensemble.RandomForestClassifier``, not ``sklearn.ensemble._forest.RandomForestClassifier``.

    The module path is walked up while the parent package still gives the same
    class under the same name; the first package that does not ends the walk.
    """
    parts, qualname = cls.__module__.split("."), cls.__qualname__
    while len(parts) > 1 and _lookup(".".join(parts[:-1]), qualname) is cls:
        parts.pop()
    return ".".join([*parts, qualname])


def public_path_of(dotted: str) -> str:
    """The public path of a class stored by its dotted path, if its module is imported.

    Model versions registered before paths were made public keep the private
    path in the store; this shows them as users import them.
    """
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        obj = _lookup(".".join(parts[:cut]), ".".join(parts[cut:]))
        if isinstance(obj, type):
            return public_path(obj)
    return dotted
