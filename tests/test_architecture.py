"""The shape DESIGN.md agrees on, checked on the source: one store owns SQL, faces stay thin.

- Only ``jupyter_mlops/store/`` imports SQLAlchemy or the schema modules.
- Faces (``magics``, ``widgets``, ``server``, ``cli``) never import ``store``.
- The core (``tracking``, ``data``, ``registry``, ``pipeline``, ``store``) never imports a face.
- No private name (``_x``) is imported from another module.
- No file over 500 lines, no function over 60 lines (migrations aside).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "jupyter_mlops"
FACES = ("magics", "widgets", "server", "cli")
CORE = ("tracking", "data", "registry", "pipeline", "store")
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path))
    return found


MODULES = _modules()


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) for every import in the file, lazy ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if _is_package(path) else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            out.append((target, names, node.lineno))
            # `from . import store` imports the module jupyter_mlops.store
            out.extend((f"{target}.{n}", [], node.lineno) for n in names)
    return out


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "jupyter_mlops" else None


def _under(target: str, room: str) -> bool:
    return target == f"jupyter_mlops.{room}" or target.startswith(f"jupyter_mlops.{room}.")


def _violations(rule) -> list[str]:
    found = []
    for module, path in MODULES:
        for target, names, line in _imports(module, path):
            why = rule(module, target, names)
            if why:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {why}")
    return sorted(set(found))


def _sql_outside_store(module: str, target: str, names: list[str]) -> str | None:
    if _room(module) == "store":
        return None
    if target == "sqlalchemy" or target.startswith("sqlalchemy."):
        return f"imports {target} outside store/"
    if target.startswith("jupyter_mlops.store.schema"):
        return f"imports {target} outside store/"
    return None


def _face_imports_store(module: str, target: str, names: list[str]) -> str | None:
    if _room(module) in FACES and _under(target, "store"):
        return f"face imports {target}"
    return None


def _core_imports_face(module: str, target: str, names: list[str]) -> str | None:
    if _room(module) in CORE and any(_under(target, face) for face in FACES):
        return f"core imports the face {target}"
    return None


def _private_across_modules(module: str, target: str, names: list[str]) -> str | None:
    private = [n for n in names if n.startswith("_") and not n.startswith("__")]
    if private and target.startswith("jupyter_mlops") and target != module:
        return f"imports private {', '.join(private)} from {target}"
    return None


@pytest.mark.parametrize(
    "rule",
    [_sql_outside_store, _face_imports_store, _core_imports_face, _private_across_modules],
    ids=lambda r: r.__name__.strip("_"),
)
def test_import_rule(rule) -> None:
    assert _violations(rule) == []


def test_the_rules_catch_what_they_name() -> None:
    """The checks above would fail on the imports they forbid."""
    assert _sql_outside_store("jupyter_mlops.tracking.x", "sqlalchemy.orm", ["Session"])
    assert _sql_outside_store("jupyter_mlops.data.x", "jupyter_mlops.store.schema_data", ["S"])
    assert not _sql_outside_store("jupyter_mlops.store.x", "sqlalchemy", [])
    assert _face_imports_store("jupyter_mlops.server.runs", "jupyter_mlops.store", [])
    assert not _face_imports_store("jupyter_mlops.server.runs", "jupyter_mlops.tracking", [])
    assert _core_imports_face("jupyter_mlops.registry.gates", "jupyter_mlops.cli.output", [])
    assert _private_across_modules("jupyter_mlops.a", "jupyter_mlops.b", ["_load_run"])
    assert not _private_across_modules("jupyter_mlops.a", "jupyter_mlops.b", ["__version__"])
    tree = [
        (t, n)
        for t, n, _ in _imports("jupyter_mlops.server.runs", _fake("from ..store import runs"))
    ]
    assert ("jupyter_mlops.store.runs", []) in tree


def _fake(source: str) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / "runs.py"
    path.write_text(source)
    return path


def _long_functions() -> list[str]:
    found = []
    for _, path in MODULES:
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}")
    return found


def test_no_file_over_500_lines() -> None:
    long = [
        f"{path.relative_to(PACKAGE.parent)} ({n} lines)"
        for _, path in MODULES
        if "migrations" not in path.parts
        and (n := path.read_text(encoding="utf-8").count("\n")) > MAX_FILE_LINES
    ]
    assert long == []


def test_no_function_over_60_lines() -> None:
    assert _long_functions() == []
