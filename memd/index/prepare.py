"""Reading and parsing one file for the index — the part of indexing that needs no database.

A module-level function of plain arguments, so a large scan can run it in a worker process
while the main process writes to SQLite (two cores: parse and insert overlap).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memd.index.parse import decode_note, is_binary, parse_note
from memd.vault.atomic import sha256


@dataclass(frozen=True)
class Settings:
    vault: str
    max_bytes: int
    chunk_chars: int


@dataclass(frozen=True)
class Job:
    rel: str
    size: int
    mtime_ns: int
    kind: str  # note | memory | source | attachment
    prev_hash: str | None  # the hash the index holds, if any


def prepare(job: Job, settings: Settings) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """(what to store, warnings). None: nothing to store (vanished, or unreadable: rows kept)."""
    rel = job.rel
    warnings: list[tuple[str, str]] = []
    base = {"path": rel, "kind": job.kind, "size": job.size, "mtime_ns": job.mtime_ns}
    if job.kind == "attachment":
        return {**base, "hash": None, "parsed": None, "warning": None}, warnings
    if job.size > settings.max_bytes:
        warning = f"larger than index.max_note_mb ({job.size / 1048576:.1f} MB); indexed by name only"
        return {**base, "hash": None, "parsed": None, "warning": warning}, [(rel, warning)]
    try:
        data = (Path(settings.vault) / rel).read_bytes()
    except FileNotFoundError:
        return None, warnings  # vanished between the walk and the read: the next scan confirms it gone
    except OSError as exc:
        return None, [(rel, f"cannot read: {exc.strerror or exc}; index rows kept")]
    digest = sha256(data)
    if job.prev_hash == digest:
        return {**base, "hash": digest, "same": True}, warnings
    if is_binary(data):
        warning = "binary content in a .md file; indexed by name only"
        return {**base, "hash": digest, "parsed": None, "warning": warning}, [(rel, warning)]
    text, warns = decode_note(data)
    parsed = parse_note(rel, text, chunk_chars=settings.chunk_chars, is_memory=job.kind == "memory",
                        is_source=job.kind == "source")
    warns += parsed.warnings
    return {**base, "hash": digest, "parsed": parsed, "warning": "; ".join(warns) or None}, [(rel, w) for w in warns]
