"""The one normalised shape every importer yields: a Conversation of Turns.

Documents (Claude memories, project docs) are Conversations too, with `kind="document"` and one
turn per document part: the transcript writer, the import ledger and the extraction loop then
handle a chat and a document the same way (hash, incremental turns, block links), and nothing
downstream needs a second code path for a shape that only differs in rendering.

Hashes are over the semantic content only, through a canonical JSON form (sorted keys, ISO
dates), so the same conversation read from a differently ordered export hashes the same. Turn
`meta` is descriptive (model names, reply targets, file names) and stays out of every hash: a
changed model label must not make the extraction loop re-read a turn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from json.encoder import encode_basestring as _json_str  # what json.dumps(ensure_ascii=False) writes for a str
from typing import Any, Literal

Role = Literal["user", "assistant", "system", "tool", "other"]
ROLES: tuple[str, ...] = ("user", "assistant", "system", "tool", "other")

CHAT = "chat"
DOCUMENT = "document"


def canonical_json(value: Any) -> str:
    """JSON text that is identical for semantically equal values (dict order, tuples, datetimes)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_encode)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=canonical_json)
    raise TypeError(f"not JSON-serialisable in a conversation: {type(value).__name__}")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _require_utc(value: datetime | None, what: str) -> None:
    # Naive datetimes would hash and render differently depending on the machine's zone.
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} must be timezone-aware")


@dataclass(frozen=True)
class Turn:
    """One message (or document part) of a conversation.

    `id` is stable within its conversation across re-exports: the exporter's own message id where
    there is one, otherwise a hash of the content (see `content_ids`). `strong` marks text the user
    wrote about themselves on purpose (ChatGPT "about me" / custom instructions), which extraction
    trusts more than chat. `branch` is None for the branch the user saw; turns of other branches
    (kept only on request) carry the id of the first turn of their branch.
    """

    id: str
    role: Role
    text: str
    author: str | None = None
    time: datetime | None = None
    kind: str = "text"
    strong: bool = False
    branch: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if not self.id:
            raise ValueError("a turn needs an id")
        _require_utc(self.time, "turn time")

    def semantic(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "author": self.author,
            "text": self.text,
            "time": _iso(self.time),
            "kind": self.kind,
            "strong": self.strong,
            "branch": self.branch,
        }

    def content_hash(self) -> str:
        return _sha256(self._canonical())

    def _canonical(self) -> str:
        """`canonical_json(self.semantic())`, written directly when every field has its usual type
        (the same bytes: the keys in sorted order, each string as json.dumps writes it); an
        import hashes every turn of an export, and this is several times cheaper."""
        author, branch, when, strong = self.author, self.branch, self.time, self.strong
        if (type(self.id) is str and type(self.role) is str and type(self.text) is str and type(self.kind) is str
                and (author is None or type(author) is str) and (branch is None or type(branch) is str)
                and type(strong) is bool):
            time = _iso(when)
            return "".join((
                '{"author":', "null" if author is None else _json_str(author),
                ',"branch":', "null" if branch is None else _json_str(branch),
                ',"id":', _json_str(self.id), ',"kind":', _json_str(self.kind), ',"role":', _json_str(self.role),
                ',"strong":', "true" if strong else "false", ',"text":', _json_str(self.text),
                ',"time":', "null" if time is None else _json_str(time), "}"))
        return canonical_json(self.semantic())


@dataclass(frozen=True)
class Conversation:
    """A conversation (or document set) from one source, with its turns in reading order."""

    source: str
    source_id: str
    title: str
    turns: list[Turn]
    created: datetime | None = None
    updated: datetime | None = None
    participants: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    kind: str = CHAT

    def __post_init__(self) -> None:
        if not self.source or not self.source_id:
            raise ValueError("a conversation needs a source and a source_id")
        _require_utc(self.created, "created")
        _require_utc(self.updated, "updated")
        seen: set[str] = set()
        for turn in self.turns:
            if turn.id in seen:
                raise ValueError(f"duplicate turn id {turn.id!r} in {self.source}:{self.source_id}")
            seen.add(turn.id)

    @property
    def key(self) -> str:
        """Identity across imports: what the import ledger keys on."""
        return f"{self.source}:{self.source_id}"

    def content_hash(self, turn_hashes: Sequence[str] | None = None) -> str:
        """sha256 over the semantic content. `updated` is left out on purpose: exporters bump it
        when a chat is merely opened or archived, and that must not count as a change.

        `turn_hashes`, when given, are the turns' own `content_hash()` values in turn order (a
        caller that needs them anyway computes them once); the result is the same."""
        if turn_hashes is None:
            turn_hashes = [turn.content_hash() for turn in self.turns]
        elif len(turn_hashes) != len(self.turns):
            raise ValueError("one hash per turn is needed")
        body = {
            "source": self.source,
            "source_id": self.source_id,
            "kind": self.kind,
            "title": self.title,
            "created": _iso(self.created),
            "participants": list(self.participants),
            "metadata": self.metadata,
            "turns": list(turn_hashes),
        }
        return _sha256(canonical_json(body))

    @property
    def first_time(self) -> datetime | None:
        """`created`, or the earliest turn time for sources that do not record one."""
        if self.created is not None:
            return self.created
        times = [t.time for t in self.turns if t.time is not None]
        return min(times) if times else None


def turns_from_records(records: list[dict[str, Any]]) -> list[Turn]:
    """Turns from parsed message records (id, role, author, text, time, kind, meta). A record's
    own message id is used when it has one and it is unique; otherwise an id hashed from the
    message (see `content_ids`), so turn ids stay stable across exports."""
    fallback = content_ids(f"{r['time']}|{r['author']}|{r['text']}" for r in records)
    seen: set[str] = set()
    turns: list[Turn] = []
    for rec, alt in zip(records, fallback, strict=True):
        tid = str(rec["id"]) if rec["id"] not in (None, "") and str(rec["id"]) not in seen else alt
        seen.add(tid)
        turns.append(Turn(id=tid, role=rec["role"], author=rec["author"], text=rec["text"], time=rec["time"],
                          kind=rec["kind"], meta=rec["meta"]))
    return turns


def content_ids(keys: Iterable[str], prefix: str = "m") -> list[str]:
    """Stable turn ids for sources without message ids (WhatsApp text exports).

    The id hashes the message itself, not its position: a later export that starts further
    down the chat (WhatsApp caps exported history) keeps every remaining message's id. Repeats of
    an identical message get an occurrence suffix so ids stay unique.
    """
    counts: dict[str, int] = {}
    ids: list[str] = []
    for key in keys:
        digest = _sha256(key)[:12]
        n = counts.get(digest, 0) + 1
        counts[digest] = n
        ids.append(f"{prefix}{digest}" if n == 1 else f"{prefix}{digest}-{n}")
    return ids
