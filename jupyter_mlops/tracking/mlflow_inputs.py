"""MLflow datasets logged to a run (``log-inputs``): linked to our snapshots where they match.

MLflow's digest is its own hash of the frame, so it cannot find a snapshot.
A dataset is one of ours when a stored snapshot has the same row count and
the same columns with the same types (MLflow's colspec against our Arrow
schema) and either the source names that snapshot (its fingerprint or
``name@version``) or the snapshot has the dataset's name (the newest such
version wins). A matched dataset links the run to the snapshot (lineage,
``mlops.snapshots_of_run``); every dataset, matched or not, is kept in the
run's metadata (``context["mlflow_inputs"]``, kind ``"snapshot"`` or
``"mlflow-dataset"``) with its name, digest, source, schema, profile and
input tags, which is what MLflow's ``get_run(...).inputs`` reads back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidArgument
from ..store import get_store
from ..store import remote_runs as store_remote

MAX_DATASETS = 1000
_TEXT_LIMITS = {"name": 500, "digest": 36, "source_type": 36, "source": 65535, "schema": 1 << 20}
_TYPES = {
    "double": "double",
    "float": "float",
    "int64": "long",
    "int32": "integer",
    "int16": "integer",
    "int8": "integer",
    "uint8": "integer",
    "uint16": "integer",
    "bool": "boolean",
    "string": "string",
    "large_string": "string",
    "binary": "binary",
    "large_binary": "binary",
}


def _text(ds: Mapping[str, Any], key: str, required: bool = False) -> str:
    value = ds.get(key)
    if value is None or value == "":
        if required:
            raise InvalidArgument(f"dataset {key}", "a non-empty string", value)
        return ""
    if not isinstance(value, str) or len(value) > _TEXT_LIMITS.get(key, 1 << 20):
        raise InvalidArgument(
            f"dataset {key}",
            f"a string of at most {_TEXT_LIMITS.get(key, 1 << 20)} characters",
            value,
        )
    return value


def _json_object(ds: Mapping[str, Any], key: str) -> dict[str, Any]:
    text = _text(ds, key)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidArgument(f"dataset {key}", "a JSON object", text[:200])
    return value


def _record(item: Mapping[str, Any]) -> dict[str, Any]:
    ds = item.get("dataset")
    if not isinstance(ds, Mapping):
        raise InvalidArgument("datasets", "objects with a dataset", item)
    name, digest = _text(ds, "name", required=True), _text(ds, "digest", required=True)
    schema, profile = _json_object(ds, "schema"), _json_object(ds, "profile")
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, Mapping) and t.get("key") for t in tags):
        raise InvalidArgument("dataset input tags", "a list of {key, value} objects", tags)
    return {
        "kind": "mlflow-dataset",
        "name": name,
        "digest": digest,
        "source_type": _text(ds, "source_type"),
        "source": _text(ds, "source"),
        "schema": _text(ds, "schema"),
        "profile": _text(ds, "profile"),
        "tags": {str(t["key"]): str(t.get("value", "")) for t in tags},
        "_columns": _colspec(schema),
        "_rows": profile.get("num_rows"),
    }


def _colspec(schema: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    cols = schema.get("mlflow_colspec")
    if not isinstance(cols, list) or not all(isinstance(c, Mapping) for c in cols):
        return None
    return [(str(c.get("name")), str(c.get("type"))) for c in cols]


def _same_columns(ours: Sequence[Mapping[str, Any]], theirs: list[tuple[str, str]]) -> bool:
    mine = [(c["name"], _TYPES.get(str(c["type"]), str(c["type"]))) for c in ours]
    return mine == theirs


def _match(record: Mapping[str, Any], candidates: Sequence[Mapping[str, Any]]) -> Any:
    """The snapshot this dataset is (see the module docstring), or None."""
    cols, rows = record["_columns"], record["_rows"]
    if cols is None or not isinstance(rows, int):
        return None
    shaped = [c for c in candidates if c["n_rows"] == rows and _same_columns(c["schema"], cols)]
    source = record["source"]
    for snap in shaped:
        if snap["fingerprint"] in source or f'"{snap["ref"]}"' in source:
            return snap
    named = [c for c in shaped if c["name"] == record["name"]]
    return max(named, key=lambda c: c["version"]) if named else None


def log_inputs(run_id: str, datasets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Keep the datasets in the run's metadata and link the ones that are our snapshots.

    All are checked before anything is written; the same dataset (name,
    digest and input tags) logged again is kept once. Returns the records.
    """
    if not isinstance(run_id, str) or not run_id:
        raise InvalidArgument("run_id", "a run id", run_id)
    if len(datasets) > MAX_DATASETS:
        raise InvalidArgument("datasets", f"at most {MAX_DATASETS} datasets", len(datasets))
    records = [_record(item) for item in datasets]
    store = get_store()
    shapes = {(len(r["_columns"]), r["_rows"]) for r in records if r["_columns"] is not None}
    candidates = store_remote.snapshots_shaped(store, shapes) if shapes else []
    links = {}
    for record in records:
        snap = _match(record, candidates)
        if snap is not None:
            record.update(kind="snapshot", snapshot=snap["ref"])
            links[snap["id"]] = snap["ref"]
        del record["_columns"], record["_rows"]
    store_remote.write_inputs(store, run_id, records, list(links))
    return records


def dataset_inputs(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The run's kept inputs in MLflow's ``DatasetInput`` shape."""
    keys = ("name", "digest", "source_type", "source", "schema", "profile")
    return [
        {
            "tags": [{"key": k, "value": v} for k, v in sorted(r.get("tags", {}).items())],
            "dataset": {k: r[k] for k in keys if r.get(k)},
        }
        for r in records
    ]
