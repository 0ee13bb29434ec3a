"""Slack workspace export (zip or unpacked folder).

Layout: `users.json`, `channels.json` (public), and where the plan allows `groups.json`
(private), `dms.json`, `mpims.json`; one folder per conversation holding one JSON file per day
(`<channel>/2016-01-14.json`). Each channel or DM becomes one Conversation. User ids are
resolved to names everywhere: authors and `<@U123>` mentions in text; Slack's other markup
(`<#C1|general>`, `<!here>`, `<url|label>`, HTML entities) becomes plain text.

Joins, leaves, topic and purpose changes, integrations added: role "system" events. Bot posts
are role "other" (their text comes from attachments when the message body is empty).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, turns_from_records
from .people import Me, ordered_unique
from .report import RECORD_ERRORS, Report, parser
from .safezip import Source
from .times import from_epoch

SOURCE = "slack"
_LISTS = (("channels.json", "channel"), ("groups.json", "private"), ("mpims.json", "group_dm"), ("dms.json", "dm"))
_EVENTS = {
    "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name", "channel_archive",
    "channel_unarchive", "group_join", "group_leave", "group_topic", "group_purpose", "group_name",
    "bot_add", "bot_remove", "pinned_item", "unpinned_item",
}
_DROPPED = {"tombstone", "message_deleted", "joiner_notification_for_inviter"}
_MARKUP = re.compile(r"<([^<>]+)>")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


def user_names(source: Source) -> tuple[dict[str, str], dict[str, list[str]]]:
    """user id -> the name shown in transcripts (real name first), and user id -> every name
    the user goes by (handle, display name), which `me` may use."""
    entry = source.find("users.json")
    if entry is None:
        return {}, {}
    names: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    data = jsonstream.load(source, entry)
    for user in data if isinstance(data, list) else []:
        if not isinstance(user, dict) or not user.get("id"):
            continue
        profile = user.get("profile") or {}
        known = [profile.get("real_name"), user.get("real_name"), profile.get("display_name"), user.get("name")]
        known = [str(n) for n in known if n]
        names[user["id"]] = known[0] if known else user["id"]
        aliases[user["id"]] = known
    return names, aliases


def sniff(source: Source) -> bool:
    """Whether `source` is a Slack export: a channel list next to per-day message files."""
    if source.kind == "file":
        return False
    has_list = any(source.find(name) is not None for name, _ in _LISTS)
    has_days = any("/" in e.path and _DAY.match(e.name) for e in source.entries)
    return has_list and has_days


@parser
def parse(source: Source, report: Report, *, me: str | list[str] | None = None) -> Iterator[Conversation]:
    if source.kind == "file":
        raise InputFormatError(f"{source.name}: a Slack export is a zip or a folder, not a single file")
    lists = [(source.find(name), kind) for name, kind in _LISTS]
    if not any(entry for entry, _ in lists) and source.find("users.json") is None:
        raise InputFormatError(f"{source.name}: no channels.json or users.json found (is this a Slack export?)")
    names, aliases = user_names(source)
    who = Me(me)
    listed = 0
    for entry, kind in lists:
        if entry is None:
            continue
        data = jsonstream.load(source, entry)
        if not isinstance(data, list):
            raise InputFormatError(f"{source.label(entry)}: expected a JSON array of conversations")
        listed += len(data)
        for index, channel in enumerate(data):
            where = f"{entry.path}#{index}"
            try:
                conv = _conversation(source, channel, kind, names, aliases, who, report, where)
            except RECORD_ERRORS as exc:
                report.fail_record(where, exc)
                continue
            if conv is not None:
                yield conv
    if not listed:
        raise InputFormatError(f"{source.name}: the export contains no channels or conversations")


def render(text: str, names: dict[str, str]) -> str:
    """Slack mrkdwn markup to plain text with names instead of ids."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            return label if label else "@" + special
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_MARKUP.sub(replace, text))


def _day_files(source: Source, folder: Any) -> list[Any]:
    # Compared as strings, not globbed: a folder name may contain glob characters.
    return [e for e in source.entries if e.path.rpartition("/")[0] == str(folder) and _DAY.match(e.name)]


def _bot_text(msg: dict[str, Any]) -> str:
    parts = []
    for att in msg.get("attachments") or []:
        if isinstance(att, dict):
            parts += [att.get("pretext"), att.get("text") or att.get("fallback")]
    return "\n".join(p for p in parts if isinstance(p, str) and p)


def _conversation(source: Source, channel: Any, kind: str, names: dict[str, str], aliases: dict[str, list[str]],
                  me: Me, report: Report, where: str) -> Conversation | None:
    if not isinstance(channel, dict):
        raise TypeError("a channel is not a JSON object")
    channel_id = channel.get("id")
    folder = channel.get("name") or channel_id
    days = _day_files(source, folder)
    if not days and channel_id and folder != channel_id:
        days = _day_files(source, channel_id)
    members = [names.get(m, m) for m in channel.get("members") or [] if isinstance(m, str)]
    messages: list[dict[str, Any]] = []
    for day in days:
        data = jsonstream.load(source, day)
        if not isinstance(data, list):
            report.warn(f"{where} {day.path}", "a day file that is not a list; skipped")
            continue
        messages += [m for m in data if isinstance(m, dict)]
    messages.sort(key=lambda m: float(m.get("ts") or 0))

    records: list[dict[str, Any]] = []
    for msg in messages:
        subtype = msg.get("subtype")
        if subtype in _DROPPED:
            continue
        user = msg.get("user")
        author = names.get(user, user) if user else None
        body = render(msg.get("text") or "", names).strip()
        if subtype == "bot_message" or (not user and msg.get("bot_id")):
            author = msg.get("username") or (msg.get("bot_profile") or {}).get("name") or f"bot {msg.get('bot_id')}"
            role, turn_kind = "other", "bot"
            body = body or render(_bot_text(msg), names).strip()
        elif subtype in _EVENTS:
            role, turn_kind = "system", "event"
        else:
            role, turn_kind = me.role(author, user, *aliases.get(user, []),
                                      (msg.get("user_profile") or {}).get("name")), "text"
        files = [f"[file: {f.get('name') or f.get('title')}]" for f in msg.get("files") or [] if isinstance(f, dict)]
        text = "\n".join(p for p in [body, *files] if p)
        if not text:
            continue
        meta: dict[str, Any] = {}
        if msg.get("thread_ts") and msg.get("thread_ts") != msg.get("ts"):
            meta["thread"] = str(msg["thread_ts"])
        records.append(dict(id=msg.get("ts"), role=role, author=author, text=text,
                            time=from_epoch(msg.get("ts")), kind=turn_kind, meta=meta))
    if not records:
        report.warn(where, f"{folder}: no messages; skipped")
        return None
    turns = turns_from_records(records)
    if kind in ("dm", "group_dm"):
        title = ", ".join(members) or str(folder)
    else:
        title = f"#{folder}"
    metadata: dict[str, Any] = {"channel_type": kind}
    for key in ("topic", "purpose"):
        value = (channel.get(key) or {}).get("value") if isinstance(channel.get(key), dict) else None
        if value:
            metadata[key] = render(value, names)
    times = [t.time for t in turns if t.time is not None]
    speakers = ordered_unique(t.author for t in turns if t.role not in ("system",) and t.kind != "bot")
    return Conversation(
        source=SOURCE,
        source_id=str(channel_id or folder),
        title=title,
        created=min(times) if times else None,
        updated=max(times) if times else None,
        participants=ordered_unique([*speakers, *members]),
        turns=turns,
        metadata=metadata,
    )
