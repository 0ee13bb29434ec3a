"""Render a Conversation as a transcript note for the vault.

Path: `<sources_dir>/<source>/<YYYY-MM-DD> <title>.md`, the file name made safe for Obsidian
and every sync target (no `[]#^|\\:*"<>?/`, no control characters, no leading dot, no trailing dot
or space, capped in bytes); a caller that finds the name taken passes a `suffix` (for example
`short_suffix(conv)`), which is appended as ` (suffix)`.

Body: YAML frontmatter (source, id, title, created, updated, participants), a `# title`, then
one callout per turn (`> [!user] Anna · 2024-05-01 09:12 %%id: m1%%`, the comment naming the
message in the export). A callout is a single Markdown block whatever the turn contains
(paragraphs, lists, code), so the block id written on its own line after it (`^t1a2b3c4d`) makes `[[...#^t1a2b3c4d]]` point at, and embed, the whole turn.
Block ids derive from the turn id, not its position, so links survive a re-import that adds or
reorders turns. Other branches (kept with `all_branches=True`) follow under their own heading.

The output depends only on the conversation and the arguments: same input, same bytes. A NUL
character (from a broken export) is written as U+FFFD: raw, it makes grep and git treat the whole
note as binary (the frontmatter has none raw: YAML writes it escaped, "\\0").

Secrets: an import passes each conversation it writes through `redacted` first ([privacy]
redact_secrets and redact_transcripts), so the note, the file name, the index built from the note,
the ledger and the journal never see them; `ledger_hash` marks the ledger's hash of a redacted
conversation, so turning the option on or off rewrites the notes written the other way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from datetime import datetime, tzinfo
from pathlib import PurePosixPath

import yaml

from memd.config import PrivacySection
from memd.extract.privacy import redact

from .model import DOCUMENT, Conversation, Turn
from .times import UTC

_FORBIDDEN = re.compile(r'[\[\]#^|\\:*"<>?/\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
_LABELS = {"user": "User", "assistant": "Assistant", "system": "System", "tool": "Tool", "other": "Other"}
_KIND_TITLES = {"about_me": "About me", "custom_instructions": "Custom instructions",
                "execution_output": "output", "code": "code", "event": "event", "quote": "quote",
                "error": "error", "tool_call": "tool call"}
_CODE_KINDS = {"code", "execution_output"}
_SOURCE_ID_UNSAFE = re.compile(r"[%\x00-\x1f\x7f\s]")


def redacts_transcripts(privacy: PrivacySection) -> bool:
    return privacy.redact_secrets and privacy.redact_transcripts


def ledger_hash(content_hash: str, redacting: bool) -> str:
    """The conversation's hash as the ledger keeps it: a note written redacted is not the same
    note as one written verbatim (so switching the option rewrites it); verbatim keeps the plain
    hash of older ledgers."""
    return hashlib.sha256(f"redacted-v1:{content_hash}".encode()).hexdigest() if redacting else content_hash


def redacted(conv: Conversation) -> Conversation:
    """`conv` with secrets replaced by [REDACTED:<kind>] in its title and every turn's text (and
    a turn's own title); the same object when there is none."""
    title = redact(conv.title)[0]
    turns = []
    changed = title != conv.title
    for turn in conv.turns:
        text = redact(turn.text)[0]
        meta = turn.meta
        name = meta.get("title") if meta else None
        if isinstance(name, str):
            clean = redact(name)[0]
            if clean != name:
                meta = {**meta, "title": clean}
        if text != turn.text or meta is not turn.meta:
            turn = dataclasses.replace(turn, text=text, meta=meta)
            changed = True
        turns.append(turn)
    return dataclasses.replace(conv, title=title, turns=turns) if changed else conv


def safe_filename(name: str, max_bytes: int = 120) -> str:
    """A file name Obsidian can link to and that every OS and sync service accepts."""
    text = unicodedata.normalize("NFC", name)
    text = _FORBIDDEN.sub(" ", text)
    text = " ".join(text.split())
    text = text.lstrip(". ").rstrip(". ")
    data = text.encode("utf-8")
    if len(data) > max_bytes:
        text = data[:max_bytes].decode("utf-8", errors="ignore").rstrip(". ")
    if not text:
        text = "Untitled"
    if _WINDOWS_RESERVED.match(text):
        text = f"{text}_"
    return text


def short_suffix(conv: Conversation, length: int = 6) -> str:
    """A short, stable disambiguator for two conversations that want the same file name."""
    return hashlib.sha256(conv.key.encode("utf-8")).hexdigest()[:length]


def _day(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d") if value else "undated"


def note_name(conv: Conversation, *, suffix: str | None = None, tz: tzinfo = UTC, max_bytes: int = 120) -> str:
    """`<YYYY-MM-DD> <title>[ (suffix)]` without the extension."""
    tail = f" ({safe_filename(suffix, 40)})" if suffix else ""
    budget = max(16, max_bytes - len(tail.encode("utf-8")))
    return safe_filename(f"{_day(conv.first_time, tz)} {conv.title}", budget) + tail


def transcript_path(conv: Conversation, *, sources_dir: str = "memory-sources", suffix: str | None = None,
                    tz: tzinfo = UTC, max_bytes: int = 120) -> PurePosixPath:
    """Vault-relative path of the conversation's transcript note."""
    folder = safe_filename(conv.source, 60)
    return PurePosixPath(sources_dir, folder, note_name(conv, suffix=suffix, tz=tz, max_bytes=max_bytes) + ".md")


def block_ids(conv: Conversation) -> dict[str, str]:
    """turn id -> Obsidian block id (letters, digits, dashes), unique within the note."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for turn in conv.turns:
        digest = hashlib.sha256(turn.id.encode("utf-8")).hexdigest()
        length = 8
        candidate = "t" + digest[:length]
        # Two turn ids sharing a hash prefix: lengthen deterministically, in turn order.
        while candidate in used:
            length += 4
            candidate = "t" + digest[:length] if length <= len(digest) else f"t{digest}-{len(used)}"
        used.add(candidate)
        out[turn.id] = candidate
    return out


def turn_link(conv: Conversation, turn_id: str, *, sources_dir: str = "memory-sources", suffix: str | None = None,
              tz: tzinfo = UTC) -> str:
    """A wikilink to one turn: `[[memory-sources/chatgpt/2024-05-01 Trip#^t1a2b3c4d]]`."""
    path = transcript_path(conv, sources_dir=sources_dir, suffix=suffix, tz=tz)
    return f"[[{path.with_suffix('').as_posix()}#^{block_ids(conv)[turn_id]}]]"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def frontmatter(conv: Conversation) -> str:
    fields: dict[str, object] = {"source": conv.source, "id": conv.source_id, "title": conv.title}
    if conv.created:
        fields["created"] = _iso(conv.created)
    if conv.updated:
        fields["updated"] = _iso(conv.updated)
    fields["participants"] = list(conv.participants)
    return "---\n" + "".join(_yaml_field(key, value) for key, value in fields.items()) + "---\n"


def _yaml_dump(fields: dict[str, object]) -> str:
    return yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 30)


# A string PyYAML's emitter writes as it is (a plain scalar) in block context, by its own rules
# (Emitter.analyze_scalar): printable characters only (no line breaks, tabs or BOM), no leading
# indicator or space, no trailing space, no ": " or " #", not ending in ":", no "---"/"..." start.
_YAML_PLAIN = re.compile(
    r"(?![ \-?:,\[\]{}#&*!|>'\"%@`]|\.\.\.)"
    r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe]*"
    r"[\x21-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe]")
_YAML_RESOLVERS = yaml.SafeDumper.yaml_implicit_resolvers


def _yaml_scalar(value: object) -> str | None:
    """`value` as yaml.safe_dump writes it in a block mapping or sequence, or None when it is not
    a string this shortcut is sure about."""
    if type(value) is not str or not _YAML_PLAIN.fullmatch(value) or ": " in value or " #" in value \
            or value[-1] == ":":
        return None
    # A string that would read back as another type (a number, a date, "yes", "null", "~") is
    # single-quoted; the plain characters above are all allowed inside single quotes.
    for _tag, regexp in _YAML_RESOLVERS.get(value[0], ()):
        if regexp.match(value):
            return None if "'" in value else f"'{value}'"
    return value


def _yaml_field(key: str, value: object) -> str:
    """One `key: value` entry of the frontmatter, the bytes yaml.safe_dump writes for it (the
    emitter writes each entry of a top-level block mapping on its own); yaml itself for
    anything out of the ordinary."""
    if isinstance(value, list):
        items = [_yaml_scalar(v) for v in value]
        if not items:
            return f"{key}: []\n"
        if None not in items:
            return f"{key}:\n" + "".join(f"- {item}\n" for item in items)
    else:
        scalar = _yaml_scalar(value)
        if scalar is not None:
            return f"{key}: {scalar}\n"
    return _yaml_dump({key: value})


def _callout_title(turn: Turn, tz: tzinfo) -> str:
    name = str(turn.meta.get("title") or "") if turn.meta else ""
    if not name:
        name = turn.author or _LABELS[turn.role]
    extra = _KIND_TITLES.get(turn.kind)
    if turn.kind in ("about_me", "custom_instructions"):
        name = f"{extra} ({turn.author or 'User'})"
    elif extra:
        name = f"{name} · {extra}"
    if turn.time:
        name += " · " + turn.time.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    name = " ".join(name.split())
    # The message's id in the original export, as an Obsidian comment (hidden when reading), so
    # a search hit on this turn can name the message it came from (memd.index.units).
    source_id = _SOURCE_ID_UNSAFE.sub("", turn.id)[:200]
    return f"{name} %%id: {source_id}%%" if source_id else name


def _body_lines(turn: Turn) -> list[str]:
    text = turn.text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    if turn.kind in _CODE_KINDS:
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        language = str(turn.meta.get("language") or "") if turn.kind == "code" and turn.meta else ""
        lines = [fence + language, *lines, fence]
    return lines


def _callout(turn: Turn, block: str, tz: tzinfo) -> str:
    kind = turn.kind if turn.kind in ("document", "memory", "instructions", "description") else turn.role
    out = [f"> [!{kind}] {_callout_title(turn, tz)}"]
    out += [f"> {line}" if line else ">" for line in _body_lines(turn)]
    return "\n".join(out) + f"\n\n^{block}\n"


def render(conv: Conversation, *, tz: tzinfo = UTC, ids: dict[str, str] | None = None) -> str:
    """The transcript note's full text (`ids`: block_ids(conv), when the caller has them)."""
    if ids is None:
        ids = block_ids(conv)
    parts = [frontmatter(conv), f"\n# {' '.join(conv.title.split())}\n"]
    main = [t for t in conv.turns if t.branch is None]
    branches: dict[str, list[Turn]] = {}
    for turn in conv.turns:
        if turn.branch is not None:
            branches.setdefault(turn.branch, []).append(turn)
    for turn in main:
        parts.append("\n" + _callout(turn, ids[turn.id], tz))
    for number, turns in enumerate(branches.values(), start=1):
        heading = f"\n## Other branch {number}\n"
        fork = turns[0].meta.get("fork") if turns[0].meta else None
        if fork in ids:
            heading += f"\nForked after [[#^{ids[fork]}]].\n"
        parts.append(heading)
        for turn in turns:
            parts.append("\n" + _callout(turn, ids[turn.id], tz))
    if conv.kind == DOCUMENT and not conv.turns:
        parts.append("\n(empty)\n")
    return "".join(parts).replace("\x00", "\ufffd")
