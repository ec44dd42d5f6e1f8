"""Data: snapshots, profiles, validation and drift.

``snapshot(df, "train")`` stores a fingerprinted, profiled, versioned copy
(``train@1``, ``train@latest``) and records it as an input of the active run;
``validate(df, against="train@latest")`` checks data against expectations;
``drift("train@1", df)`` compares distributions column by column.
"""

from ..store.snapshots import SnapshotInfo
from .drift import DriftReport, drift
from .profile import TableProfile
from .snapshot import (
    get_profile,
    get_snapshot,
    list_snapshots,
    load_snapshot,
    log_input,
    runs_of_snapshot,
    snapshot,
    snapshots_of_run,
)
from .validate import (
    Expectations,
    ValidationReport,
    expectations_from,
    get_expectations,
    save_expectations,
    validate,
)

__all__ = [
    "DriftReport",
    "Expectations",
    "SnapshotInfo",
    "TableProfile",
    "ValidationReport",
    "drift",
    "expectations_from",
    "get_expectations",
    "get_profile",
    "get_snapshot",
    "list_snapshots",
    "load_snapshot",
    "log_input",
    "runs_of_snapshot",
    "save_expectations",
    "snapshot",
    "snapshots_of_run",
    "validate",
]
