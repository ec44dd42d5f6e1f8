"""skops dumps made repeatable: the same model always gives the same bytes.

skops names each array file and shared-object id after a memory address and
stamps every zip member with the current time, so dumping one model twice
(or in two processes) gives different bytes, and the content-addressed blob
store would keep identical models twice. ``canonical`` renumbers ids and files
in order of first appearance (same ids stay the same, so shared references
survive) and writes members with a fixed time; skops loads the result as it
loads its own output.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import PurePosixPath
from typing import Any

SCHEMA = "schema.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)


def dumps(obj: Any) -> bytes:
    """``skops.io.dumps(obj)`` in canonical form."""
    import skops.io as sio

    return canonical(sio.dumps(obj))


def canonical(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        members = zin.infolist()
        names = {m.filename for m in members}
        schema = json.loads(zin.read(SCHEMA))
        ids: dict[Any, int] = {}
        files: dict[str, str] = {}

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "__id__" and isinstance(value, int):
                        node[key] = ids.setdefault(value, len(ids) + 1)
                    elif key == "file" and isinstance(value, str) and value in names:
                        node[key] = files.setdefault(
                            value, f"{len(files)}{PurePosixPath(value).suffix}"
                        )
                    else:
                        walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(schema)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zout:
            for m in sorted(members, key=lambda m: files.get(m.filename, m.filename)):
                body = (
                    json.dumps(schema, indent=2).encode() if m.filename == SCHEMA else zin.read(m)
                )
                info = zipfile.ZipInfo(files.get(m.filename, m.filename), date_time=_EPOCH)
                info.compress_type = m.compress_type
                info.external_attr = 0o644 << 16
                zout.writestr(info, body)
    return out.getvalue()
