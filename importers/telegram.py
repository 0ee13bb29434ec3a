"""Telegram Desktop "Export chat history" / "Export Telegram data" in machine-readable JSON.

Two shapes of `result.json`: one chat (`name`, `type`, `id`, `messages`), or the whole account
(`personal_information`, `chats.list[]`). The account export names its owner, who becomes `me`
unless the caller says otherwise. Messages are streamed (a chat's `messages`, or the account's
chats one by one). `text` is a string or a list of strings and entity objects; both become plain
text. Service messages (joins, renames, calls, pins) become role "system" events with the actor
as author; media become placeholders.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, turns_from_records
from .people import Me, ordered_unique
from .report import RECORD_ERRORS, Report, parser
from .safezip import Entry, Source
from .times import from_epoch, from_iso, zone

SOURCE = "telegram"

_MEDIA = {
    "sticker": "sticker", "voice_message": "voice message", "video_message": "video message",
    "animation": "GIF", "video_file": "video", "audio_file": "audio",
}


class NotTelegram(ValueError):
    """Messages are there but none has Telegram's shape: the input is another format."""


def export_files(source: Source) -> list[Entry]:
    if source.kind == "file":
        return list(source.entries)
    result = source.find("result.json")
    return [result] if result is not None else [e for e in source.glob("*.json") if "/" not in e.path]


def sniff(source: Source) -> bool:
    """Whether `source` is a Telegram Desktop JSON export."""
    files = export_files(source)
    if not files or not files[0].name.lower().endswith(".json"):
        return False
    shape = jsonstream.peek_shape(source, files[0])
    if shape.top != "object" or {"guild", "channel"} & shape.keys:
        return False
    if "personal_information" in shape.keys or "chats" in shape.keys:
        return True
    message_keys = shape.nested_keys.get("messages.item", set())
    return "messages" in shape.keys and bool({"date_unixtime", "from_id", "text_entities"} & message_keys
                                             or {"type", "date", "from"} <= message_keys)


@parser
def parse(source: Source, report: Report, *, me: str | list[str] | None = None,
          tz: str | tzinfo | None = None) -> Iterator[Conversation]:
    return _conversations(source, report, me, zone(tz))  # options checked at the call


def _conversations(source: Source, report: Report, me: str | list[str] | None, zone_: tzinfo) -> Iterator[Conversation]:
    files = export_files(source)
    if not files:
        raise InputFormatError(f"{source.name}: no result.json found (is this a Telegram export?)")
    for entry in files:
        head = jsonstream.peek_shape(source, entry)
        if head.top != "object" or not ({"messages", "chats", "personal_information"} & head.keys):
            jsonstream.require_json(source, entry)
            raise InputFormatError(f"{source.label(entry)}: not a Telegram export (no messages or chats)")
        if "chats" in head.keys or "personal_information" in head.keys:
            info = jsonstream.head_values(source, entry, ("personal_information",)).get("personal_information")
            who = _me(me, info)
            for index, chat in enumerate(jsonstream.iter_array(source, entry, "a Telegram account export", "chats.list.item")):
                where = f"{entry.path}#chat{index}"
                try:
                    conv = _conversation(chat, who, zone_, report, where, fallback_title=f"Telegram chat {index + 1}")
                except RECORD_ERRORS as exc:
                    report.fail_record(where, exc)
                    continue
                if conv is not None:
                    yield conv
        else:
            chat = jsonstream.head_values(source, entry, ("name", "type", "id"))
            chat["messages"] = jsonstream.iter_array(source, entry, "a Telegram chat export", "messages.item")
            where = source.label(entry)
            title = entry.name.rsplit(".", 1)[0] if entry.name != "result.json" else source.path.stem
            try:
                conv = _conversation(chat, _me(me, None), zone_, report, where, fallback_title=title)
            except NotTelegram as exc:
                raise InputFormatError(f"{where}: not a Telegram export ({exc})") from None
            except RECORD_ERRORS as exc:
                report.fail_record(where, exc)
                continue
            if conv is not None:
                yield conv


def _me(me: str | list[str] | None, info: Any) -> Me:
    who = Me(me)
    if not who and isinstance(info, dict):
        first, last = info.get("first_name") or "", info.get("last_name") or ""
        who.add(f"{first} {last}".strip())
        who.add(info.get("username"))
        if info.get("user_id") is not None:
            who.add(f"user{info['user_id']}")
    return who


def plain_text(value: Any) -> str:
    """Telegram's `text`: a string, or a list of strings and {"type", "text"} entities."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) if isinstance(part, dict) else ""
                       for part in value)
    return ""


def _media(msg: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if msg.get("photo"):
        out.append(f"[photo: {str(msg['photo']).rsplit('/', 1)[-1]}]")
    media_type = msg.get("media_type")
    if media_type == "sticker":
        out.append(f"[sticker {msg.get('sticker_emoji') or ''}]".replace(" ]", "]"))
    elif media_type in _MEDIA:
        out.append(f"[{_MEDIA[media_type]}: {msg.get('file_name') or str(msg.get('file') or '').rsplit('/', 1)[-1]}]")
    elif msg.get("file"):
        out.append(f"[file: {msg.get('file_name') or str(msg['file']).rsplit('/', 1)[-1]}]")
    poll = msg.get("poll")
    if isinstance(poll, dict):
        answers = ", ".join(str(a.get("text")) for a in poll.get("answers") or [] if isinstance(a, dict))
        out.append(f"[poll: {poll.get('question')} ({answers})]")
    loc = msg.get("location_information")
    if isinstance(loc, dict):
        out.append(f"[location: {loc.get('latitude')}, {loc.get('longitude')}]")
    contact = msg.get("contact_information")
    if isinstance(contact, dict):
        name = f"{contact.get('first_name') or ''} {contact.get('last_name') or ''}".strip()
        out.append(f"[contact: {name}]")
    return out


def _service_text(msg: dict[str, Any]) -> str:
    action = str(msg.get("action") or "service").replace("_", " ")
    details = []
    if msg.get("title"):
        details.append(str(msg["title"]))
    members = msg.get("members")
    if isinstance(members, list) and members:
        details.append(", ".join(str(m) for m in members if m))
    if msg.get("duration_seconds"):
        details.append(f"{msg['duration_seconds']} s")
    text = plain_text(msg.get("text"))
    if text:
        details.append(text)
    return action + (": " + "; ".join(details) if details else "")


def _conversation(chat: Any, me: Me, tz: tzinfo, report: Report, where: str, fallback_title: str) -> Conversation | None:
    if not isinstance(chat, dict):
        raise TypeError("a chat is not a JSON object")
    records: list[dict[str, Any]] = []
    seen = 0
    for msg in chat.get("messages") or []:
        seen += 1
        if not isinstance(msg, dict) or msg.get("type") not in ("message", "service"):
            continue
        when = from_epoch(msg.get("date_unixtime")) or from_iso(msg.get("date"), tz)
        if msg.get("type") == "service":
            actor = msg.get("actor") or None
            records.append(dict(id=msg.get("id"), role="system", author=actor, text=_service_text(msg),
                                time=when, kind="event", meta={}))
            continue
        author = msg.get("from") or None
        parts = [plain_text(msg.get("text")).strip(), *_media(msg)]
        text = "\n".join(p for p in parts if p)
        if not text:
            continue
        meta: dict[str, Any] = {}
        if msg.get("reply_to_message_id") is not None:
            meta["reply_to"] = str(msg["reply_to_message_id"])
        if msg.get("forwarded_from"):
            meta["forwarded_from"] = msg["forwarded_from"]
        records.append(dict(id=msg.get("id"), role=me.role(author, msg.get("from_id")), author=author, text=text,
                            time=when, kind="text", meta=meta))
    if not records:
        if seen:
            raise NotTelegram(f"none of its {seen} messages is a Telegram message")
        report.warn(where, "no messages; skipped")
        return None
    turns = turns_from_records(records)
    chat_type = chat.get("type")
    title = chat.get("name") or ("Saved Messages" if chat_type == "saved_messages" else fallback_title)
    times = [t.time for t in turns if t.time is not None]
    return Conversation(
        source=SOURCE,
        source_id=str(chat["id"]) if chat.get("id") is not None else str(title).casefold(),
        title=str(title),
        created=min(times) if times else None,
        updated=max(times) if times else None,
        participants=ordered_unique(t.author for t in turns if t.role != "system"),
        turns=turns,
        metadata={"chat_type": chat_type} if chat_type else {},
    )
