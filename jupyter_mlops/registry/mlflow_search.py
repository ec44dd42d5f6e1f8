"""MLflow's registry search filters (``name LIKE 'churn%' AND run_id = '...'``) as plain objects.

Only what MLflow's registry search is used for: comparisons of ``name``,
``run_id``, ``source`` or a tag (``tag.`key```; no tags are kept here, so every
tag reads as ``''``: MLflow 3's own ``tag.`mlflow.prompt.is_prompt` != 'true'``
matches every model) with ``=``, ``!=``, ``LIKE`` or ``ILIKE`` and a quoted
string, joined by ``AND``. Anything else is refused with the expected form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..errors import InvalidArgument

FIELDS = ("name", "run_id", "source")
EXPECTED = (
    "comparisons FIELD OP 'text' joined by AND; FIELD one of name, run_id, source, tag.KEY; "
    "OP one of =, !=, LIKE, ILIKE (e.g. \"name LIKE 'churn%'\")"
)
_COMPARISON = re.compile(
    r"""^\s*((?:tags?\.)?(?:`[^`]+`|[\w.]+))\s*(=|!=|LIKE|ILIKE)\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*$""",
    re.IGNORECASE,
)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str
    value: str

    def test(self, row: Mapping[str, str | None]) -> bool:
        got = row.get(self.field) or ""
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        return _like(self.value, self.op == "ILIKE")(got)


def _like(pattern: str, ignore_case: bool) -> Callable[[str], bool]:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    compiled = re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
    return lambda text: compiled.match(text) is not None


def _field(raw: str) -> str | None:
    """``name``, ``run_id``, ``source`` or ``tag.<key>`` (no tags are kept, so a tag is ``''``)."""
    if raw.lower() in FIELDS:
        return raw.lower()
    head, dot, key = raw.partition(".")
    if dot and head.lower() in ("tag", "tags") and key.strip("`"):
        return "tag." + key.strip("`")
    return None


def parse_filter(text: str | None) -> list[Comparison]:
    """The comparisons of a filter; an empty or missing filter holds none (everything matches)."""
    if text is None or not text.strip():
        return []
    out = []
    for piece in _AND.split(text.strip()):
        match = _COMPARISON.match(piece)
        field = _field(match.group(1)) if match else None
        if field is None:
            raise InvalidArgument("filter", EXPECTED, text)
        value = match.group(3) if match.group(3) is not None else match.group(4)
        out.append(Comparison(field, match.group(2).upper(), value))
    return out


def matches(comparisons: list[Comparison], row: Mapping[str, str | None]) -> bool:
    return all(c.test(row) for c in comparisons)
