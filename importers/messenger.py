"""Facebook Messenger's JSON export ("Download your information", format JSON).

Each chat is a folder `messages/inbox/<name>_<id>/` holding `message_1.json`, `message_2.json`...
(Facebook cuts long chats into several files, each newest message first). A file is an object:

    {"participants": [{"name": "Ana"}, ...], "title": "Ana", "thread_path": "inbox/ana_123",
     "messages": [{"sender_name": "Ana", "timestamp_ms": 1600000000000, "content": "...",
                   "photos": [{"uri": ...}], "reactions": [...], "type": "Generic"}, ...]}

Facebook writes every text as mojibake: each byte of the UTF-8 text escaped as a separate
character (\\u00c3\\u00a1 for "á"); `unmangle` turns it back. The export of end-to-end encrypted
chats (2024, messenger.com) has the same content under other names (`senderName`, `timestamp`,
`text`, `threadName`, `participants` as strings) and correct UTF-8; both are read.

A whole chat is held in memory (each file within the record limit): its files must be merged
and put in time order before turn ids are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, turns_from_records
from .people import Me, ordered_unique
from .report import RECORD_ERRORS, Report, Tally, parser
from .safezip import Entry, Source
from .times import from_epoch

SOURCE = "messenger"
_PART = re.compile(r"^message_(\d+)\.json$", re.I)
_MEDIA = (("photos", "photo"), ("videos", "video"), ("audio_files", "audio"), ("gifs", "GIF"), ("files", "file"))


def unmangle(text: str) -> str:
    """Facebook's mojibake back to text: the characters are really UTF-8 bytes. Text that is not
    mangled (characters past U+00FF, or bytes that are not UTF-8) is returned as it is."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _s(value: Any) -> str:
    return unmangle(value) if isinstance(value, str) else ""


def thread_files(source: Source) -> dict[str, list[Entry]]:
    """message_N.json files grouped by their folder (one chat each), in part order."""
    if source.kind == "file":
        return {"": list(source.entries)}
    threads: dict[str, list[tuple[int, Entry]]] = {}
    for entry in source.entries:
        m = _PART.match(entry.name)
        if m:
            folder = entry.path.rsplit("/", 1)[0] if "/" in entry.path else ""
            threads.setdefault(folder, []).append((int(m.group(1)), entry))
    return {k: [e for _, e in sorted(v, key=lambda p: p[0])] for k, v in sorted(threads.items())}


def _is_messenger(shape: jsonstream.Shape) -> bool:
    if shape.top != "object" or "messages" not in shape.keys or "participants" not in shape.keys:
        return False
    keys = shape.nested_keys.get("messages.item", set())
    return {"sender_name", "timestamp_ms"} <= keys or {"senderName", "timestamp"} <= keys or (
        not keys and ("thread_path" in shape.keys or "threadName" in shape.keys))


def sniff(source: Source) -> bool:
    """Whether `source` is a Messenger JSON export (or one message_N.json of it)."""
    for files in list(thread_files(source).values())[:1]:
        entry = files[0] if files else None
        if entry is None or not entry.name.lower().endswith(".json"):
            return False
        return _is_messenger(jsonstream.peek_shape(source, entry))
    return False


@parser
def parse(source: Source, report: Report, *, me: str | list[str] | None = None) -> Iterator[Conversation]:
    threads = thread_files(source)
    if not any(threads.values()):
        raise InputFormatError(f"{source.name}: no message_1.json found (is this a Messenger JSON export?)")
    return _conversations(source, report, threads, Me(me))


def _conversations(source: Source, report: Report, threads: dict[str, list[Entry]], me: Me) -> Iterator[Conversation]:
    tally = Tally(source.name, "Messenger chats")
    for folder, files in threads.items():
        where = f"{source.name}/{folder}" if folder else source.name
        tally.items += 1
        parts = []
        for entry in files:
            data = jsonstream.load(source, entry)
            if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                if source.kind == "file":
                    raise InputFormatError(f"{source.label(entry)}: not a Messenger export (no messages list)")
                report.warn(source.label(entry), "not a Messenger chat file; skipped")
                continue
            parts.append(data)
        if not parts:
            continue
        try:
            conv = _conversation(parts, folder or source.path.stem, me)
        except RECORD_ERRORS as exc:
            tally.fail(report, where, exc)
            continue
        if conv is None:
            report.warn(where, "no messages; skipped")
            continue
        yield conv
    tally.check()


def _text(msg: dict[str, Any]) -> str:
    parts = [_s(msg.get("content") if "content" in msg else msg.get("text")).strip()]
    for key, label in _MEDIA:
        for item in msg.get(key) or []:
            uri = str(item.get("uri") or "") if isinstance(item, dict) else ""
            parts.append(f"[{label}: {uri.rsplit('/', 1)[-1]}]" if uri else f"[{label}]")
    for item in msg.get("media") or []:  # the end-to-end encrypted export's attachments
        uri = str(item.get("uri") or "") if isinstance(item, dict) else ""
        parts.append(f"[attachment: {uri.rsplit('/', 1)[-1]}]" if uri else "[attachment]")
    if isinstance(msg.get("sticker"), dict):
        parts.append("[sticker]")
    share = msg.get("share")
    if isinstance(share, dict) and share.get("link"):
        link = _s(share["link"])
        if link not in parts[0]:
            parts.append(f"[link: {link}]")
    return "\n".join(p for p in parts if p)


def _conversation(parts: list[dict[str, Any]], folder: str, me: Me) -> Conversation | None:
    head = parts[0]
    names = [_s(p.get("name") if isinstance(p, dict) else p) for p in head.get("participants") or []]
    records: list[dict[str, Any]] = []
    for part in parts:
        for msg in part["messages"]:
            if not isinstance(msg, dict) or msg.get("is_unsent") or msg.get("isUnsent"):
                continue
            author = _s(msg.get("sender_name", msg.get("senderName"))) or None
            when = from_epoch(msg.get("timestamp_ms", msg.get("timestamp")))
            text = _text(msg)
            if not text:
                continue
            kind = "text"
            role = me.role(author)
            if msg.get("type") == "Call":
                kind, role = "event", "system"
                seconds = msg.get("call_duration")
                text = f"{text or 'call'}" + (f" ({seconds} s)" if isinstance(seconds, int) and seconds else "")
            records.append(dict(id=None, role=role, author=author, text=text, time=when, kind=kind, meta={}))
    if not records:
        return None
    # Files and messages run newest first; a transcript reads oldest first. Stable for equal times.
    records.sort(key=lambda r: (r["time"] is None, r["time"] or 0))
    turns = turns_from_records(records)
    times = [t.time for t in turns if t.time is not None]
    title = _s(head.get("title") or head.get("threadName")) or ", ".join(n for n in names if not me.matches(n)) \
        or folder.rsplit("/", 1)[-1]
    thread_id = _s(head.get("thread_path")) or folder or title.casefold()
    group = head.get("thread_type") == "RegularGroup" or len(names) > 2
    speakers = ordered_unique(t.author for t in turns if t.role != "system")
    return Conversation(
        source=SOURCE,
        source_id=thread_id,
        title=title,
        created=min(times) if times else None,
        updated=max(times) if times else None,
        participants=ordered_unique([*speakers, *names]),
        turns=turns,
        metadata={"chat_type": "group" if group else "direct"},
    )
