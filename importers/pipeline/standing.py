"""How a conversation stands against the import ledger (importers/ledger.py), and where its
transcript note goes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from memd.errors import InputFormatError

from ..ledger import PENDING, Entry, Ledger, path_key, turn_digest
from ..model import Conversation, Turn
from ..survey import CHANGED, EXTRACT, NEW, RESUME, UNCHANGED
from ..transcript import short_suffix, transcript_path


def standing(conv: Conversation, entry: Entry | None, content_hash: str, extract: bool,
             digests: dict[str, str] | None = None, *, hashes: Sequence[str] | None = None
             ) -> tuple[str, list[Turn]]:
    """`conv`'s state (new, changed, resume, extract, unchanged) and the turns extraction has not
    read yet. Per-turn digests are only computed when they can matter (`digests`, or from
    `hashes`, the turns' content hashes)."""
    if entry is None:
        return NEW, list(conv.turns) if extract else []
    changed = entry.content_hash != content_hash
    if not extract or (not changed and entry.status != PENDING and entry.extracted == entry.turns):
        to_extract: list[Turn] = []  # the same turns as last time, all of them read then
    else:
        digests = digests or turn_digests(conv, hashes)
        to_extract = [t for t in conv.turns if digests[t.id] not in entry.extracted]
    if entry.status == PENDING:
        return RESUME, to_extract
    if changed:
        return CHANGED, to_extract
    return (EXTRACT if to_extract else UNCHANGED), to_extract


def needs_note(entry: Entry | None, content_hash: str) -> bool:
    """Whether the transcript note is (re)written: new, changed, or left pending by a stopped run."""
    return entry is None or entry.status == PENDING or entry.content_hash != content_hash


def turn_digests(conv: Conversation, hashes: Sequence[str] | None = None) -> dict[str, str]:
    """turn id -> the ledger's digest of that turn's id and content (`hashes`: the turns' content
    hashes, when they are already known)."""
    if hashes is None:
        hashes = [t.content_hash() for t in conv.turns]
    return {t.id: turn_digest(t.id, h) for t, h in zip(conv.turns, hashes)}


def digest_map(conv: Conversation, digests: list[str]) -> dict[str, str]:
    """turn id -> digest, from the digests staged in turn order."""
    return dict(zip([t.id for t in conv.turns], digests))


def last_activity(conv: Conversation) -> datetime | None:
    times = [t.time for t in conv.turns if t.time is not None]
    if times:
        return max(times)
    return conv.updated or conv.created


def place(conv: Conversation, *, vault: Path, sources_dir: str, tz: tzinfo, ledger: Ledger,
          claimed: dict[str, str] | None = None) -> str:
    """The note's path: `<date> <title>.md`, or with the conversation's short suffix when that
    name is taken by another conversation or by a note memd did not write. `claimed` (a dry run,
    which reserves nothing in the ledger): path key -> conversation key, the paths taken so far."""
    for suffix in (None, short_suffix(conv), short_suffix(conv, 12), short_suffix(conv, 64)):
        rel = transcript_path(conv, sources_dir=sources_dir, suffix=suffix, tz=tz).as_posix()
        key = path_key(rel)
        owner = (claimed.get(key) if claimed is not None else None) or ledger.path_owner(rel)
        if owner is not None and owner != conv.key:
            continue
        target = vault / rel
        if owner is None and target.exists() and note_identity(target) != (conv.source, conv.source_id):
            continue  # someone else's note (or an unrelated one); a note with our frontmatter is adopted
        if claimed is not None:
            claimed[key] = conv.key
        return rel
    raise InputFormatError(f"{conv.key}: no free file name for its transcript")  # 2^256 collisions away


def note_identity(path: Path) -> tuple[str, str] | None:
    """(source, id) from a transcript note's frontmatter, None for any other file."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192).decode("utf-8", "replace")
    except OSError:
        return None
    if not head.startswith("---\n"):
        return None
    end = head.find("\n---", 4)
    if end < 0:
        return None
    try:
        data: Any = yaml.safe_load(head[4:end])
    except yaml.YAMLError:
        return None
    if isinstance(data, dict) and data.get("source") is not None and data.get("id") is not None:
        return str(data["source"]), str(data["id"])
    return None
