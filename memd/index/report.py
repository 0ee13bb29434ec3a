"""What a scan of the vault did: counts, warnings, and the paths whose rows changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ScanReport:
    scanned: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    touched: int = 0  # stat changed, content identical
    removed: int = 0
    kept: int = 0  # missing from the walk but not confirmed gone: rows kept
    warnings: list[tuple[str, str]] = field(default_factory=list)
    unreadable_dirs: list[str] = field(default_factory=list)
    changed_paths: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["warnings"] = [{"path": p, "warning": w} for p, w in self.warnings]
        return d

    def merge(self, other: ScanReport) -> None:
        """Add a sub-scan's report (a folder scanned while indexing a batch of paths)."""
        for name in ("scanned", "added", "updated", "unchanged", "touched", "removed", "kept"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.warnings += other.warnings
        self.unreadable_dirs += other.unreadable_dirs
        self.changed_paths += other.changed_paths
