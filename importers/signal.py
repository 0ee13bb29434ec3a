"""Signal chats exported as text by signal-export (Signal Desktop has no export of its own):
one folder per chat holding `chat.md`, or a bare text file, with lines

    [2022-03-21 14:57] Ana: text            [2022-03-21, 14:57] Ana: text

and attachments as markdown images or links to `./media/...`. The date is always year first
and the time has no seconds; that, and the `.md` file, is what tells it from a WhatsApp iOS
export (`[21/03/22, 14:57:05] Ana: text`, always with seconds). Times are wall clock, read in
`tz` (default UTC). Lines without a header continue the previous message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, tzinfo
from itertools import islice

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, Turn, content_ids
from .people import Me, ordered_unique
from .report import Report, parser
from .safezip import Entry, Source
from .times import UTC, zone
from .whatsapp import _chat_lines

SOURCE = "signal"
_HEADER = re.compile(r"^\[(?P<date>\d{4}-\d{2}-\d{2}),? (?P<time>\d{1,2}:\d{2})\] (?P<author>[^:\n]{1,100}?):(?: |$)(?P<text>.*)$")
_MEDIA = re.compile(r"!?\[(?P<label>[^\]]*)\]\((?P<uri>(?:\./)?media/[^)]+)\)")


def chat_files(source: Source) -> list[Entry]:
    if source.kind == "file":
        return list(source.entries)
    return [e for e in source.entries if e.name.lower() == "chat.md"] or source.glob("*.txt")


def sniff(source: Source) -> bool:
    """Whether the first chat file starts with Signal's `[YYYY-MM-DD HH:MM] Name:` lines."""
    for entry in chat_files(source)[:1]:
        if not entry.name.lower().endswith((".md", ".txt")):
            return False
        try:
            with closing(jsonstream.iter_lines(source, entry, line_is="string")) as stream:
                lines = [text[:300] for _, text in islice(stream, 20) if text.strip()]
        except InputFormatError:
            return False
        headers = sum(1 for line in lines if _HEADER.match(line))
        return bool(lines) and _HEADER.match(lines[0]) is not None and headers >= max(1, len(lines) // 2)
    return False


@parser
def parse(source: Source, report: Report, *, me: str | list[str] | None = None,
          tz: str | tzinfo | None = None, title: str | None = None) -> Iterator[Conversation]:
    files = chat_files(source)
    if not files:
        raise InputFormatError(f"{source.name}: no chat.md or .txt file found (is this a signal-export folder?)")
    who = Me(me)
    who.add("Me")  # signal-export writes the user's own messages as "Me"
    return _conversations(source, report, files, who, zone(tz), title)


def _conversations(source: Source, report: Report, files: list[Entry], me: Me, tz: tzinfo,
                   title: str | None) -> Iterator[Conversation]:
    parsed = 0
    for entry in files:
        lines = _chat_lines(source, entry)
        if not any(_HEADER.match(line) for line in lines[:50]):
            if len(files) == 1:
                raise InputFormatError(f"{source.label(entry)}: not a Signal chat export (no [YYYY-MM-DD HH:MM] lines)")
            report.warn(source.label(entry), "not a Signal chat; skipped")
            continue
        parsed += 1
        conv = _conversation(source, entry, lines, me, tz, title, report)
        if conv is not None:
            yield conv
    if not parsed:
        raise InputFormatError(f"{source.name}: no Signal chat found")


def chat_title(source: Source, entry: Entry) -> str:
    """signal-export names each chat's folder after the contact or group: "Ana/chat.md" -> "Ana"."""
    if entry.name.lower() not in ("chat.md", "chat.txt"):
        return entry.name.rsplit(".", 1)[0]
    # The folder around chat.md; `member` keeps the top folder that the logical path drops.
    folder = str(entry.member).replace("\\", "/").rsplit("/", 2)
    return folder[-2] if len(folder) >= 2 and folder[-2] else source.path.stem


def _conversation(source: Source, entry: Entry, lines: list[str], me: Me, tz: tzinfo, title: str | None,
                  report: Report) -> Conversation | None:
    where = source.label(entry)
    messages: list[tuple[datetime | None, str, str]] = []
    for line in lines:
        m = _HEADER.match(line)
        if m is not None:
            try:
                when = datetime.fromisoformat(f"{m['date']}T{int(m['time'].split(':')[0]):02d}:{m['time'].split(':')[1]}")
            except ValueError:
                when = None
            if when is not None:
                messages.append((when.replace(tzinfo=tz).astimezone(UTC), m["author"].strip(), m["text"]))
                continue
        if messages:
            t, author, text = messages[-1]
            messages[-1] = (t, author, text + "\n" + line)
    records = []
    for when, author, text in messages:
        text = _MEDIA.sub(lambda mm: f"[attachment: {mm['uri'].rsplit('/', 1)[-1]}]", text).strip()
        if text:
            records.append((when, author, text))
    if not records:
        report.warn(where, "no messages; skipped")
        return None
    ids = content_ids(f"{t.isoformat() if t else ''}|{a}|{x}" for t, a, x in records)
    turns = [Turn(id=tid, role=me.role(a), author=a, text=x, time=t, kind="text")
             for tid, (t, a, x) in zip(ids, records, strict=True)]
    name = title or chat_title(source, entry)
    times = [t.time for t in turns if t.time is not None]
    return Conversation(
        source=SOURCE,
        source_id=name.casefold(),
        title=name,
        created=min(times) if times else None,
        updated=max(times) if times else None,
        participants=ordered_unique(t.author for t in turns),
        turns=turns,
    )
