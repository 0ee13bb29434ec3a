"""WhatsApp "Export chat" text files, bare or in the zip the phone shares.

The layout depends on the phone's OS and locale:

    Android  31/12/20, 23:59 - Name: text          12/31/20, 11:59 PM - Name: text
             31.12.20, 23:59 - Name: text          12/31/2020, 11:59 p. m. - Name: text
    iOS      [31/12/20, 23:59:59] Name: text       [12/31/20, 11:59:59 PM] Name: text
    other    [15-01-20 02:22:56] Name: text        2020/12/31, 23:59 - Name: text

The date order is never written down, so it is read from the file itself: a first field above 12
means day first, a second field above 12 means month first; when every date in the file is
ambiguous, the order under which the messages run forward in time wins (day first on a tie, with
a warning). `date_order=` overrides. Times are wall clock; `tz=` says which zone they are in
(default UTC, i.e. the times exactly as the file shows them).

Lines without a header continue the previous message. System lines (someone created the group,
added or left) become role "system" turns of kind "event": group membership and names are facts
worth keeping. WhatsApp's boilerplate (the end-to-end encryption notice, security-code changes,
deleted-message stubs) carries nothing about anyone and is dropped. Media become placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, tzinfo
from itertools import islice, pairwise

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, Turn, content_ids
from .people import Me, ordered_unique
from .report import Report, parser
from .jsonscan import LimitExceeded, size_text
from .safezip import Entry, Source
from .times import UTC, zone

SOURCE = "whatsapp"
ORDERS = ("DMY", "MDY", "YMD")

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_HEADER = re.compile(
    r"""^[\u200e\u200f]?
    (?P<open>\[)?
    (?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})
    ,?\s(?:à\s)?
    (?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)
    (?:\s?(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?
    (?(open)\]\s?|\s[-–]\s)
    (?P<body>.*)$""",
    re.X,
)
_AUTHOR = re.compile(r"^(?P<author>[^:\n]{1,100}?):(?: |(?=\S)|$)(?P<text>.*)$", re.S)

# Boilerplate that says nothing about anyone (English exports; other languages are kept as events).
_DROP = re.compile(
    r"end-to-end encrypt|security code (with .* )?changed|^this message was deleted\.?$|"
    r"^you deleted this message\.?$|^waiting for this message",
    re.I,
)
_MEDIA_OMITTED = re.compile(
    r"^(?:<media omitted>|<medien ausgeschlossen>|<multimedia omitido>|<médias omis>|"
    r"(?P<what>image|video|audio|sticker|gif|document|contact card) omitted)$",
    re.I,
)
_ATTACHED_IOS = re.compile(r"^<attached: (?P<name>[^>]+)>$", re.I)
_ATTACHED_ANDROID = re.compile(r"^(?P<name>\S.*\.\w{2,5}) \(file attached\)(?:\n(?P<caption>.*))?$", re.I | re.S)


def chat_files(source: Source) -> list[Entry]:
    if source.kind == "file":
        return list(source.entries)
    return source.glob("*.txt")


def sniff(source: Source) -> bool:
    """Whether a .txt in `source` starts like a WhatsApp chat export."""
    for entry in chat_files(source)[:3]:
        if not entry.name.lower().endswith(".txt"):
            continue
        try:
            with closing(jsonstream.iter_lines(source, entry, line_is="string")) as stream:
                lines = [text[:200] for _, text in islice(stream, 20) if text.strip()]
        except InputFormatError:  # a line past a limit included: no chat export starts like that
            continue
        if lines and _HEADER.match(lines[0]) and _AUTHOR.match(_HEADER.match(lines[0])["body"] or "") is not None:
            return True
        if sum(1 for line in lines if _HEADER.match(line)) >= max(2, len(lines) // 2):
            return True
    return False


@parser
def parse(source: Source, report: Report, *, me: str | list[str] | None = None, date_order: str | None = None,
          tz: str | tzinfo | None = None, title: str | None = None) -> Iterator[Conversation]:
    """One Conversation per chat text file found. `me` names the user."""
    # Options are checked here, at the call, not when the caller starts iterating.
    if date_order is not None:
        date_order = date_order.upper()  # `--date-order dmy` on the command line
    if date_order is not None and date_order not in ORDERS:
        raise InputFormatError(f"date_order must be one of {', '.join(o.lower() for o in ORDERS)}, not {date_order!r}")
    return _conversations(source, report, Me(me), date_order, zone(tz), title)


def _conversations(source: Source, report: Report, me: Me, date_order: str | None, zone_: tzinfo,
                   title: str | None) -> Iterator[Conversation]:
    files = chat_files(source)
    if not files:
        raise InputFormatError(f"{source.name}: no chat .txt file found (is this a WhatsApp export?)")
    parsed_any = False
    for entry in files:
        lines = _chat_lines(source, entry)
        if not any(_HEADER.match(line) for line in lines[:50] if line.strip()):
            if len(files) == 1:
                if not any(line.strip() for line in lines):
                    raise InputFormatError(f"{source.label(entry)}: the file is empty")
                raise InputFormatError(f"{source.label(entry)}: not a WhatsApp chat export (no dated message lines)")
            report.warn(entry.path, "not a WhatsApp chat; skipped")
            continue
        parsed_any = True
        conv = _conversation(source, entry, lines, me, date_order, zone_, title, report)
        if conv is not None:
            yield conv
    if not parsed_any:
        raise InputFormatError(f"{source.name}: no WhatsApp chat found")


def _chat_lines(source: Source, entry: Entry) -> list[str]:
    """The lines of one chat file. A chat is one conversation, held whole: the file is bounded by
    the record limit, each line by the string limit, checked while reading."""
    lines: list[str] = []
    total = 0
    limit = source.limits.max_record
    for _, text in jsonstream.iter_lines(source, entry, line_is="string"):
        # A line costs its text plus a list slot and a str header (about 64 bytes): a file of
        # empty lines is held to the same memory as one of text.
        total += len(text) + 64
        if total > limit:
            raise LimitExceeded(f"{source.label(entry)}: refused, one chat is larger than {size_text(limit)} in memory"
                                " (limits: max_record_mb)")
        lines.append(text)
    return lines


def chat_title(source: Source, entry: Entry) -> str:
    """"WhatsApp Chat with Anna.txt" / "WhatsApp Chat - Anna.zip" -> "Anna"."""
    stem = entry.name.rsplit(".", 1)[0]
    if stem.lower() in ("_chat", "chat") and source.kind != "file":
        stem = source.path.stem if source.kind == "zip" else source.name
    cleaned = re.sub(r"^whatsapp[ -]chat\s*(?:with|mit|con|avec|met|com|-)?\s*", "", stem, flags=re.I).strip(" -")
    return cleaned or stem


# How the log states a group's name (English exports): created with it, renamed to it, or (iOS)
# as the author of the system lines at the top of a group's export.
_GROUP_NAMED = re.compile(
    r"""(?:created\sgroup|changed\sthe\s(?:subject|group\sname)\s(?:from\s[“"].*?[”"]\s)?to|changed\sthis
    \sgroup's\sname\sto|changed\sthe\sname\sof\sthis\sgroup\sto)\s[“"](?P<name>[^“”"]{1,100})[”"]""",
    re.X | re.I)
_IOS_GROUP_SYSTEM = re.compile(r"^(?P<name>[^:\n]{1,100}): \u200e(?:Messages and calls are end-to-end encrypted|"
                               r".* created (?:this )?group)", re.I)


def group_name(lines: list[str]) -> str | None:
    """The group's latest name as the log states it, or None (a one-to-one chat, another language)."""
    name = None
    for line in lines:
        header = _HEADER.match(line)
        if header is None:
            continue
        body = header["body"]
        author = _AUTHOR.match(body)
        # Only system lines: no "Name: " (Android), or iOS's marked text after the group's name;
        # a person writing 'I created group "x"' in a message does not rename the chat.
        system = author is None or author["text"].lstrip(" ").startswith("\u200e")
        m = _GROUP_NAMED.search(_BIDI.sub("", body)) if system else None
        if m is not None:
            name = m["name"].strip()
            continue
        if name is None and (ios := _IOS_GROUP_SYSTEM.match(header["body"])) is not None:
            name = _BIDI.sub("", ios["name"]).strip() or None
    return name


def detect_date_order(dates: list[str]) -> tuple[str, bool]:
    """The date order of a chat's header dates and whether it was a guess."""
    fields = [[int(x) for x in re.split(r"[./-]", d)] for d in dates]
    if any(len(re.split(r"[./-]", d)[0]) == 4 for d in dates):
        return "YMD", False
    first_big = sum(1 for f in fields if f[0] > 12)
    second_big = sum(1 for f in fields if f[1] > 12)
    if first_big and not second_big:
        return "DMY", False
    if second_big and not first_big:
        return "MDY", False
    if first_big and second_big:
        return ("DMY" if first_big >= second_big else "MDY"), True

    def backwards(order: str) -> int:
        days = [_ordinal(f, order) for f in fields]
        valid = [d for d in days if d is not None]
        return sum(1 for a, b in pairwise(valid) if b < a) + (len(days) - len(valid)) * 1000

    dmy, mdy = backwards("DMY"), backwards("MDY")
    if mdy < dmy:
        return "MDY", False
    return "DMY", dmy == mdy


def _ymd(fields: list[int], order: str) -> tuple[int, int, int]:
    if order == "YMD":
        y, m, d = fields
    elif order == "MDY":
        m, d, y = fields
    else:
        d, m, y = fields
    if y < 100:
        y += 2000  # WhatsApp did not exist before 2009
    return y, m, d


def _ordinal(fields: list[int], order: str) -> int | None:
    try:
        return datetime(*_ymd(fields, order)).toordinal()
    except ValueError:
        return None


def _datetime(header: re.Match[str], order: str, tz: tzinfo) -> datetime | None:
    fields = [int(x) for x in re.split(r"[./-]", header["date"])]
    tparts = [int(x) for x in re.split(r"[:.]", header["time"])]
    hour, minute = tparts[0], tparts[1]
    second = tparts[2] if len(tparts) > 2 else 0
    if header["ampm"]:
        marker = re.sub(r"[\s.]", "", header["ampm"]).lower()
        if hour == 12:
            hour = 0
        if marker == "pm":
            hour += 12
    try:
        local = datetime(*_ymd(fields, order), hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def _headers(lines: list[str]) -> list[tuple[int, re.Match[str]]]:
    return [(i, m) for i, line in enumerate(lines) if (m := _HEADER.match(line))]


def _conversation(source: Source, entry: Entry, lines: list[str], me: Me, date_order: str | None,
                  tz: tzinfo, title: str | None, report: Report) -> Conversation | None:
    where = source.label(entry)
    headers = _headers(lines)
    order = date_order
    if order is None:
        order, guessed = detect_date_order([m["date"] for _, m in headers])
        if guessed:
            report.warn(where, f"date order is ambiguous; read as {order.lower()} (pass --date-order dmy or mdy,"
                               " or set import.date_order, to override)")

    messages: list[tuple[datetime, str]] = []  # (time, body), continuation lines appended
    header_at = {i: m for i, m in headers}
    preamble = 0
    for i, line in enumerate(lines):
        m = header_at.get(i)
        when = _datetime(m, order, tz) if m else None
        if m is not None and when is not None:
            messages.append((when, m["body"]))
        elif messages:
            # A message that spans lines; a dated line with an impossible date is text too.
            t, body = messages[-1]
            messages[-1] = (t, body + "\n" + line)
        elif line.strip():
            preamble += 1
    if preamble:
        report.warn(where, f"{preamble} line(s) before the first message ignored")

    records: list[tuple[datetime, str, str | None, str, str]] = []  # time, role, author, text, kind
    for when, body in messages:
        rec = _classify(body.rstrip(), me)
        if rec is not None:
            records.append((when, *rec))
    if not records:
        report.warn(where, "no messages; skipped")
        return None
    ids = content_ids(f"{t.isoformat()}|{a or ''}|{x}" for t, _, a, x, _ in records)
    turns = [Turn(id=tid, role=role, author=author, text=text, time=t, kind=kind)  # type: ignore[arg-type]
             for tid, (t, role, author, text, kind) in zip(ids, records, strict=True)]
    file_name = chat_title(source, entry)
    # A group's own name, when the log states it, titles the notes; the file's name stays the
    # chat's identity (source_id), so a renamed group is the same chat on the next import.
    name = title or group_name(lines) or file_name
    times = [t.time for t in turns]
    return Conversation(
        source=SOURCE,
        source_id=(title or file_name).casefold(),
        title=name,
        created=min(times),
        updated=max(times),  # the latest turn, also when the phone's clock ran backwards
        participants=ordered_unique(t.author for t in turns if t.role != "system"),
        turns=turns,
        metadata={"date_order": order},
    )


def _classify(body: str, me: Me) -> tuple[str, str | None, str, str] | None:
    """(role, author, text, kind) of a message body, or None to drop it."""
    m = _AUTHOR.match(body)
    author = _BIDI.sub("", m["author"]).strip() if m else ""
    if m is None or not author or any(q in author for q in '"“”«»'):
        text = _BIDI.sub("", body).strip()
        return None if _DROP.search(text) else ("system", None, text, "event")
    raw = m["text"]
    text = raw.strip()
    marked = raw.lstrip(" ").startswith("\u200e")  # iOS marks system and media lines this way
    text = text.lstrip("\u200e").strip()
    if _DROP.search(text) and (marked or len(text) < 80):
        return None
    media = _media(text)
    if media is not None:
        return me.role(author), author, media, "media"
    if marked:
        # iOS prefixes system lines with U+200E and writes the group's name as their author.
        return ("system", None, text, "event") if text else None
    return me.role(author), author, text, "text"


def _media(text: str) -> str | None:
    if (m := _MEDIA_OMITTED.match(text)) is not None:
        return f"[{m['what'].lower()} omitted]" if m["what"] else "[media omitted]"
    if (m := _ATTACHED_IOS.match(text)) is not None:
        return f"[attachment: {m['name'].strip()}]"
    if (m := _ATTACHED_ANDROID.match(text)) is not None:
        caption = (m["caption"] or "").strip()
        return f"[attachment: {m['name'].strip()}]" + (f"\n{caption}" if caption else "")
    return None
