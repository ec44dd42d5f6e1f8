"""Declared inputs: the data snapshots a pipeline reads, and their fingerprints now.

The data feature records which snapshots a run read (its lineage). Promotion
declares those as the pipeline's inputs; the run cache keys on the fingerprint
of each input's newest version, so a new version of an input data set makes
the next ``pipeline run`` execute again. An input no longer in the store
(deleted or renamed) keys the cache by the fingerprint it was declared with;
any other store error reaches the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import NotFound
from .spec import InputSpec


def origin_inputs(run_id: str | None) -> list[InputSpec]:
    """The snapshots ``run_id`` read, as declared inputs (empty when unknown)."""
    if not run_id:
        return []
    from .. import data  # imported when used: `import jupyter_mlops.pipeline` stays light

    found = data.snapshots_of_run(run_id)
    seen: dict[str, InputSpec] = {}
    for snap in found:
        seen.setdefault(snap.name, InputSpec(snap.name, snap.version, snap.fingerprint))
    return list(seen.values())


def current_fingerprints(inputs: Sequence[InputSpec]) -> list[str]:
    """``name=fingerprint`` of each input's newest version (the declared one when unknown)."""
    out = []
    for spec in inputs:
        fingerprint = _latest_fingerprint(spec.name) or spec.fingerprint or str(spec.version)
        out.append(f"{spec.name}={fingerprint}")
    return sorted(out)


def _latest_fingerprint(name: str) -> str | None:
    from .. import data

    try:
        return data.get_snapshot(f"{name}@latest").fingerprint
    except NotFound:  # a deleted or renamed input: fall back to the declared fingerprint
        return None
