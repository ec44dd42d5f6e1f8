"""What an import created and what it skipped, with the reason for each skip."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("experiments", "runs", "params", "metric_points", "artifacts", "model_versions", "aliases")


@dataclass(frozen=True)
class Skipped:
    """One thing left out: its kind (run, artifact, model version...), which one, and why."""

    kind: str
    what: str
    reason: str


@dataclass
class ImportReport:
    """Counts of what was created, the runs imported (MLflow id -> ours), and every skip."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    runs: dict[str, str] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, kind: str, n: int = 1) -> None:
        self.created[kind] += n

    def skip(self, kind: str, what: str, reason: str) -> None:
        self.skipped.append(Skipped(kind, what, reason))

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "runs": dict(self.runs),
            "skipped": [s.__dict__ for s in self.skipped],
        }

    def summary(self) -> str:
        """A few lines for people: the counts, then each skip grouped by reason."""
        made = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.created.items() if n)
        lines = [f"Imported: {made}." if made else "Imported nothing new."]
        by_reason: dict[tuple[str, str], list[str]] = {}
        for s in self.skipped:
            by_reason.setdefault((s.kind, s.reason), []).append(s.what)
        if by_reason:
            lines.append(f"Skipped {len(self.skipped)}:")
        for (kind, reason), whats in by_reason.items():
            shown = ", ".join(whats[:5]) + (f" and {len(whats) - 5} more" if len(whats) > 5 else "")
            lines.append(
                f"  {len(whats)} {kind}{'s' if len(whats) > 1 else ''} ({shown}): {reason}"
            )
        return "\n".join(lines)
