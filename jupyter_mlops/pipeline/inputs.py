"""Declared inputs: the data snapshots a pipeline reads, and their fingerprints now.

The data feature records which snapshots a run read (its lineage). Promotion
declares those as the pipeline's inputs; the run cache keys on the fingerprint
of each input's newest version, so a new version of an input data set makes
the next ``pipeline run`` execute again. When the data feature is not
available, inputs are declared empty and only the notebook and the parameters
key the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .spec import InputSpec

log = logging.getLogger(__name__)


def origin_inputs(run_id: str | None) -> list[InputSpec]:
    """The snapshots ``run_id`` read, as declared inputs (empty when unknown)."""
    if not run_id:
        return []
    try:
        from ..data import snapshots_of_run
    except ImportError:
        return []
    try:
        found = snapshots_of_run(run_id)
    except Exception as exc:  # lineage is a bonus: promotion must not fail on it
        log.warning("could not read the inputs of run %s: %s", run_id[:8], exc)
        return []
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
    try:
        from ..data import get_snapshot
    except ImportError:
        return None
    try:
        return get_snapshot(f"{name}@latest").fingerprint
    except Exception:  # a deleted or renamed input: fall back to the declared fingerprint
        return None
