"""DiscordChatExporter JSON (one file per channel; several files in a folder or zip).

`guild` and `channel` sit before the `messages` array, so they are read from the head of the
file and the messages are streamed. A member's server nickname is what people see, so it wins
over the account name. Messages of type Default and Reply are speech; every other type (renames,
calls, pins, joins) is a role "system" event with the actor as author.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, turns_from_records
from .people import Me, ordered_unique
from .report import RECORD_ERRORS, Report, parser
from .safezip import Entry, Source
from .times import from_iso

SOURCE = "discord"
_SPEECH = {"Default", "Reply", "ThreadStarterMessage", None}


def export_files(source: Source) -> list[Entry]:
    if source.kind == "file":
        return list(source.entries)
    return source.glob("*.json")


def display_name(author: Any) -> str | None:
    if not isinstance(author, dict):
        return None
    return author.get("nickname") or author.get("name") or None


def sniff(source: Source) -> bool:
    """Whether `source` holds DiscordChatExporter JSON (guild + channel + messages)."""
    files = export_files(source)
    if not files:
        return False
    shape = jsonstream.peek_shape(source, files[0])
    return shape.top == "object" and {"guild", "channel"} <= shape.keys


@parser
def parse(source: Source, report: Report, *, me: str | list[str] | None = None) -> Iterator[Conversation]:
    files = export_files(source)
    if not files:
        raise InputFormatError(f"{source.name}: no .json files found (is this a DiscordChatExporter export?)")
    who = Me(me)
    channels = 0
    for entry in files:
        head = jsonstream.head_values(source, entry, ("guild", "channel"))
        if "channel" not in head:
            if len(files) == 1:
                jsonstream.require_json(source, entry)
                raise InputFormatError(f"{source.label(entry)}: not a DiscordChatExporter JSON export (no channel)")
            report.warn(entry.path, "not a DiscordChatExporter channel; skipped")
            continue
        channels += 1
        where = source.label(entry)
        messages = jsonstream.iter_array(source, entry, "a DiscordChatExporter export", "messages.item")
        try:
            conv = _conversation(head.get("guild") or {}, head["channel"], messages, who, report, where)
        except RECORD_ERRORS as exc:
            report.fail_record(where, exc)
            continue
        if conv is not None:
            yield conv
    if not channels:
        raise InputFormatError(f"{source.name}: no DiscordChatExporter channel found")


def _extras(msg: dict[str, Any]) -> list[str]:
    out = [f"[attachment: {a.get('fileName') or a.get('url')}]" for a in msg.get("attachments") or [] if isinstance(a, dict)]
    out += [f"[sticker: {s.get('name')}]" for s in msg.get("stickers") or [] if isinstance(s, dict)]
    if not (msg.get("content") or "").strip():
        out += [f"[embed: {e.get('title') or e.get('url') or 'link'}]" for e in msg.get("embeds") or [] if isinstance(e, dict)]
    return out


def _conversation(guild: dict[str, Any], channel: dict[str, Any], messages: Iterator[Any], me: Me,
                  report: Report, where: str) -> Conversation | None:
    records: list[dict[str, Any]] = []
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        author = msg.get("author") or {}
        name = display_name(author)
        mtype = msg.get("type")
        parts = [(msg.get("content") or "").strip(), *_extras(msg)]
        text = "\n".join(p for p in parts if p)
        if not text:
            continue
        meta: dict[str, Any] = {}
        ref = msg.get("reference")
        if isinstance(ref, dict) and ref.get("messageId"):
            meta["reply_to"] = str(ref["messageId"])
        if mtype in _SPEECH:
            role, kind = me.role(name, author.get("name"), author.get("id")), "text"
        else:
            role, kind = "system", "event"
        records.append(dict(id=msg.get("id"), role=role, author=name, text=text,
                            time=from_iso(msg.get("timestamp")), kind=kind, meta=meta))
    if not records:
        report.warn(where, "no messages; skipped")
        return None
    turns = turns_from_records(records)
    guild_name = guild.get("name") if isinstance(guild, dict) else None
    channel_name = channel.get("name") or "channel"
    title = channel_name if not guild_name or guild_name == "Direct Messages" else f"{guild_name} #{channel_name}"
    metadata = {k: v for k, v in (("guild", guild_name), ("category", channel.get("category")),
                                  ("topic", channel.get("topic"))) if v}
    times = [t.time for t in turns if t.time is not None]
    return Conversation(
        source=SOURCE,
        source_id=str(channel.get("id") or title),
        title=title,
        created=min(times) if times else None,
        updated=max(times) if times else None,
        participants=ordered_unique(t.author for t in turns),
        turns=turns,
        metadata=metadata,
    )
