"""Pipeline parameters: inferred from a notebook cell, checked and converted by declared type.

A parameters cell holds only assignments of Python literals (``alpha = 0.5``,
``layers: list[int] = [64, 32]``, ``name = "x"  # type: str``). Each name gets
a type from, in order: its annotation, a ``# type:`` comment, then the literal
itself (papermill's own inspection types only annotated names, so
``alpha = 0.5`` would come out untyped there). A trailing comment other than a
``type:`` comment becomes the parameter's help text.

Values given on a command line are converted by the declared type, never by
guessing from the text: ``-p version 1.10`` for a ``str`` parameter stays
``"1.10"`` (papermill's guessing turns it into the float ``1.1``).
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import math
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import InvalidArgument

TYPES = ("int", "float", "str", "bool", "list", "dict", "any")
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}
_ANNOTATION_NAMES = {
    "int": "int",
    "float": "float",
    "str": "str",
    "bool": "bool",
    "list": "list",
    "tuple": "list",
    "List": "list",
    "Tuple": "list",
    "Sequence": "list",
    "dict": "dict",
    "Dict": "dict",
    "Mapping": "dict",
    "Any": "any",
    "object": "any",
}
_EXAMPLES = {"list": "e.g. [1, 2]", "dict": "e.g. {a: 1}"}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter of a pipeline."""

    name: str
    type: str
    default: Any
    nullable: bool = False
    help: str = ""

    def as_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "default": self.default}
        if self.nullable:
            out["nullable"] = True
        if self.help:
            out["help"] = self.help
        return out

    @classmethod
    def from_yaml(cls, name: str, raw: Any) -> ParamSpec:
        if not isinstance(raw, Mapping):
            raise InvalidArgument(f"parameters.{name}", "a mapping with type and default", raw)
        ptype = raw.get("type", "any")
        if ptype not in TYPES:
            raise InvalidArgument(f"parameters.{name}.type", "one of " + ", ".join(TYPES), ptype)
        spec = cls(
            check_name(name),
            ptype,
            raw.get("default"),
            bool(raw.get("nullable", False)),
            str(raw.get("help") or ""),
        )
        return spec


def check_name(name: object) -> str:
    """A parameter name is a Python identifier that is no keyword and shadows no builtin."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidArgument("parameter name", "a Python identifier", name)
    if name in vars(builtins):
        raise InvalidArgument(
            "parameter name",
            "a name that does not shadow a Python builtin",
            name,
            hint=f"rename it (e.g. {name}_), or the notebook loses {name}()",
        )
    return name


# -- inference from a cell -------------------------------------------------------
def _comments_by_line(source: str) -> dict[int, str]:
    found: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                found[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def _annotation_type(node: ast.expr | None) -> tuple[str | None, bool]:
    """(type, nullable) from an annotation such as ``float``, ``list[int]``, ``str | None``."""
    if node is None:
        return None, False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None, False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [node.left, node.right]
        none = [p for p in parts if isinstance(p, ast.Constant) and p.value is None]
        rest = [p for p in parts if p not in none]
        if none and len(rest) == 1:
            return _annotation_type(rest[0])[0], True
        return "any", False
    if isinstance(node, ast.Subscript):
        base = node.value
        if isinstance(base, (ast.Name, ast.Attribute)) and _dotted(base).endswith("Optional"):
            return _annotation_type(node.slice)[0], True
        return _annotation_type(base)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _ANNOTATION_NAMES.get(_dotted(node).rsplit(".", 1)[-1], "any"), False
    if isinstance(node, ast.Constant) and node.value is None:
        return "any", True
    return "any", False


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _type_comment(comment: str) -> tuple[str | None, bool, str]:
    """(type, nullable, help) from a trailing comment; ``type: float`` declares a type."""
    if comment.startswith("type:"):
        text = comment[5:].strip()
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError:
            return None, False, comment
        ptype, nullable = _annotation_type(node)
        return ptype, nullable, ""
    return None, False, comment


def literal_type(value: Any) -> str:
    """The parameter type a literal value implies (``None`` gives ``any``)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "any"


def _plain(value: Any) -> Any:
    """YAML- and JSON-friendly: tuples become lists, recursively."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def is_parameter_source(source: str) -> bool:
    """True when ``source`` holds at least one assignment and nothing but literal assignments."""
    try:
        return bool(parse_parameters(source))
    except InvalidArgument:
        return False


def parse_parameters(source: str) -> list[ParamSpec]:
    """The parameters declared by a parameters cell; refuses anything but literal assignments."""
    text = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise InvalidArgument(
            "parameters cell", "valid Python", f"line {exc.lineno}: {exc.msg}"
        ) from None
    comments = _comments_by_line(text)
    found: dict[str, ParamSpec] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise _not_literal(stmt, text, "one plain name per assignment")
            name, annotation, value_node = stmt.targets[0].id, None, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is None:
                raise _not_literal(stmt, text, "a default value")
            name, annotation, value_node = stmt.target.id, stmt.annotation, stmt.value
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring-like string
        else:
            raise _not_literal(stmt, text, "only assignments of literals")
        try:
            value = ast.literal_eval(value_node)
        except (ValueError, SyntaxError, TypeError):
            raise _not_literal(stmt, text, "a literal value (number, string, list, ...)") from None
        check_name(name)
        ann_type, ann_null = _annotation_type(annotation)
        com_type, com_null, help_text = _type_comment(comments.get(stmt.end_lineno or 0, ""))
        ptype = ann_type or com_type or literal_type(value)
        nullable = ann_null or com_null or value is None
        value = _plain(value)
        if value is not None:
            value = convert(name, ptype, value)
        found[name] = ParamSpec(name, ptype, value, nullable, help_text)
    return list(found.values())


def _not_literal(stmt: ast.stmt, source: str, expected: str) -> InvalidArgument:
    line = (ast.get_source_segment(source, stmt) or "").splitlines()
    shown = line[0] if line else ""
    return InvalidArgument(
        f"parameters cell, line {stmt.lineno}",
        expected,
        shown,
        hint="a parameters cell may only assign literals; move computed values to a later cell",
    )


# -- checking and converting values -------------------------------------------
def convert(name: str, ptype: str, value: Any, *, nullable: bool = False) -> Any:
    """``value`` as a ``ptype`` parameter; strings are parsed by the type, never guessed."""
    if value is None:
        if nullable or ptype == "any":
            return None
        raise InvalidArgument(f"parameter {name!r}", f"a {ptype}", None)
    if isinstance(value, str) and ptype != "str":
        return _from_text(name, ptype, value, nullable)
    if ptype == "any":
        return _plain(value)
    ok = _PY_TYPES[ptype]
    if isinstance(value, bool) and ptype in ("int", "float"):
        raise InvalidArgument(f"parameter {name!r}", f"a {ptype}", value)
    if not isinstance(value, ok):
        raise InvalidArgument(f"parameter {name!r}", f"a {ptype}", value)
    if ptype == "float":
        value = float(value)
        if math.isnan(value):
            raise InvalidArgument(f"parameter {name!r}", "a float that is not NaN", value)
    return _plain(value)


def _from_text(name: str, ptype: str, text: str, nullable: bool = False) -> Any:
    what = f"parameter {name!r}"
    raw = text.strip()
    if ptype == "int":
        try:
            return int(raw, 10)
        except ValueError:
            raise InvalidArgument(what, "an int", text) from None
    if ptype == "float":
        try:
            value = float(raw)
        except ValueError:
            raise InvalidArgument(what, "a float", text) from None
        if math.isnan(value):
            raise InvalidArgument(what, "a float that is not NaN", text)
        return value
    if ptype == "bool":
        low = raw.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise InvalidArgument(what, "a bool (true/false, yes/no, 1/0)", text)
    if ptype in ("list", "dict"):
        expected = f"a {ptype} in YAML or JSON syntax ({_EXAMPLES[ptype]})"
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise InvalidArgument(what, expected, text) from None
        if value is None and nullable:
            return None
        if not isinstance(value, _PY_TYPES[ptype]):  # a plain string stays a string in YAML
            raise InvalidArgument(what, expected, text)
        return convert(name, ptype, value)
    # "any": YAML's reading of the text (so 3 is an int, [1, 2] a list), else the string.
    try:
        return _plain(yaml.safe_load(raw))
    except yaml.YAMLError:
        return text


def check_values(specs: Mapping[str, ParamSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared parameter with its value: defaults filled, unknown names and types refused."""
    unknown = sorted(set(values) - set(specs))
    if unknown:
        known = ", ".join(sorted(specs)) or "none"
        raise InvalidArgument(
            "parameters", f"names the pipeline declares ({known})", ", ".join(unknown)
        )
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        if name in values:
            out[name] = convert(name, spec.type, values[name], nullable=spec.nullable)
        else:
            out[name] = spec.default
    return out


def parse_assignment(text: str) -> tuple[str, Any]:
    """``k=v`` from a ``%mlops param`` line: the value as a literal, else as a string."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InvalidArgument("%mlops param", "k=v", text)
    raw = raw.strip()
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return check_name(name), _plain(value)


def render_cell(params: list[ParamSpec]) -> str:
    """A parameters cell that declares ``params`` (annotated, so papermill types them too)."""
    lines = []
    for p in params:
        ann = p.type if p.type != "any" else ""
        if ann and p.nullable:
            ann = f"{ann} | None"
        head = f"{p.name}: {ann}" if ann else p.name
        line = f"{head} = {p.default!r}"
        if p.help:
            line += f"  # {p.help}"
        lines.append(line)
    return "\n".join(lines)
