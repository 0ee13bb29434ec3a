"""LoCoMo long-conversation benchmark files (snap-research/LoCoMo, `locomo10.json`).

An array of samples; each `conversation` has `speaker_a`, `speaker_b` and numbered sessions
`session_N` (lists of {speaker, dia_id, text, blip_caption?}) dated by `session_N_date_time`
("1:56 pm on 8 May, 2023"). One sample is one Conversation; each turn takes its session's date
(turns carry no time of their own) and keeps `dia_id` as its id, which is what LoCoMo's QA
evidence points at. Shared images are described by their caption, the only content given.
A `*_date_time` without its session (the files have a few) is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, Turn
from .people import Me
from .report import RECORD_ERRORS, Report, parser
from .safezip import Source
from .times import UTC, zone

SOURCE = "locomo"
_SESSION = re.compile(r"^session_(\d+)$")
_WHEN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*([ap])\.?\s*m\.?\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$", re.I)
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}


def session_time(value: Any, tz: tzinfo = UTC) -> datetime | None:
    """"1:56 pm on 8 May, 2023" -> aware UTC datetime."""
    m = _WHEN.match(value) if isinstance(value, str) else None
    if m is None:
        return None
    hour, minute, half, day, month_name, year = m.groups()
    month = _MONTHS.get(month_name.lower()) or next(
        (n for name, n in _MONTHS.items() if name.startswith(month_name.lower()[:3])), None)
    if month is None:
        return None
    h = int(hour) % 12 + (12 if half.lower() == "p" else 0)
    try:
        return datetime(int(year), month, int(day), h, int(minute), tzinfo=tz).astimezone(UTC)
    except ValueError:
        return None


def sniff(source: Source) -> bool:
    """Whether `source` is a LoCoMo file (samples with a speaker_a/speaker_b conversation)."""
    files = list(source.entries) if source.kind == "file" else source.glob("*.json")
    if not files or not files[0].name.lower().endswith(".json"):
        return False
    shape = jsonstream.peek_shape(source, files[0])
    return shape.top == "array" and "speaker_a" in shape.nested_keys.get("item.conversation", set())


@parser
def parse(source: Source, report: Report, *, me: str | list[str] | None = None,
          tz: str | tzinfo | None = None) -> Iterator[Conversation]:
    """One Conversation per LoCoMo sample. `me` picks the speaker who plays the user."""
    return _conversations(source, report, Me(me), zone(tz))  # options checked at the call


def _conversations(source: Source, report: Report, who: Me, zone_: tzinfo) -> Iterator[Conversation]:
    files = list(source.entries) if source.kind == "file" else source.glob("*.json")
    if not files:
        raise InputFormatError(f"{source.name}: no .json file found")
    items = failed = 0
    for entry in files:
        for index, sample in enumerate(jsonstream.iter_array(source, entry, "a JSON array of LoCoMo samples")):
            items += 1
            where = str(sample.get("sample_id")) if isinstance(sample, dict) and sample.get("sample_id") else f"{entry.path}#{index}"
            try:
                conv = _conversation(sample, who, zone_, report, where)
            except RECORD_ERRORS as exc:
                failed += 1
                report.fail_record(where, exc)
                continue
            if conv is not None:
                yield conv
    if not items:
        raise InputFormatError(f"{source.name}: the file contains no LoCoMo samples")
    if failed == items:
        raise InputFormatError(f"{source.name}: not a LoCoMo file ({report.failures[0].message})")


def _conversation(sample: Any, me: Me, tz: tzinfo, report: Report, where: str) -> Conversation | None:
    if not isinstance(sample, dict):
        raise TypeError("a sample is not a JSON object")
    conv = sample["conversation"]
    speakers = [conv["speaker_a"], conv["speaker_b"]]
    numbers = sorted(int(m.group(1)) for key in conv if (m := _SESSION.match(key)))
    turns: list[Turn] = []
    sessions: dict[str, str | None] = {}
    seen: dict[str, int] = {}
    for n in numbers:
        when = session_time(conv.get(f"session_{n}_date_time"), tz)
        if when is None:
            report.warn(where, f"session {n} has no readable date")
        sessions[str(n)] = when.isoformat().replace("+00:00", "Z") if when else None
        for i, item in enumerate(conv[f"session_{n}"]):
            speaker = item.get("speaker")
            text = str(item.get("text") or "").strip()
            if item.get("blip_caption"):
                text = f"{text}\n[image: {item['blip_caption']}]".strip()
            if not text:
                continue
            base = str(item.get("dia_id") or f"D{n}:{i + 1}")
            seen[base] = seen.get(base, 0) + 1
            tid = base if seen[base] == 1 else f"{base}-{seen[base]}"
            turns.append(Turn(id=tid, role=me.role(speaker), author=speaker, text=text, time=when,
                              meta={"session": n}))
    if not turns:
        report.warn(where, "no dialogue; skipped")
        return None
    dated = [t.time for t in turns if t.time is not None]
    return Conversation(
        source=SOURCE,
        source_id=str(sample.get("sample_id") or where),
        title=f"{speakers[0]} and {speakers[1]}",
        created=min(dated) if dated else None,
        updated=max(dated) if dated else None,
        participants=[str(s) for s in speakers],
        turns=turns,
        metadata={"sessions": sessions},
    )
