"""Timestamps from exports, as timezone-aware UTC datetimes.

Exports disagree: ChatGPT writes epoch floats, Claude and Discord ISO strings with an offset,
Telegram epoch strings, Slack epoch strings with a sequence suffix. All become aware UTC here so
hashes and transcripts do not depend on the machine's zone.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from memd.errors import InputFormatError

UTC = timezone.utc
# Times of messages fall in [1970, 2200). Outside it a value is a placeholder ("never": year 9999,
# Go's zero time 0001-01-01), not a time, and reads as absent: the note then shows the
# conversation's date rather than a date nobody wrote.
_MAX_EPOCH = 7258118400.0  # 2200-01-01 in seconds
# Some tools write epochs in milliseconds. A number past 2200 in seconds is read as milliseconds
# only when that lands after 2000 (chat exports hold nothing older); in between (seconds past
# 2200, milliseconds before 2000: year 9999 in seconds is 253402300799) it is neither.
_MIN_MS = 946684800000.0  # 2000-01-01 in milliseconds
_FIRST = datetime(1970, 1, 1, tzinfo=UTC)
_LAST = datetime(2200, 1, 1, tzinfo=UTC)


def from_epoch(value: object) -> datetime | None:
    """An epoch in seconds (or milliseconds, which some tools write) as UTC; None if absent or
    outside [1970, 2200)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    if seconds >= _MAX_EPOCH:
        if not _MIN_MS <= seconds < _MAX_EPOCH * 1000:
            return None
        seconds /= 1000.0
    return datetime.fromtimestamp(seconds, tz=UTC)


def from_iso(value: object, default_tz: tzinfo = UTC) -> datetime | None:
    """An ISO 8601 string as UTC; a string without an offset is read in `default_tz`. None if
    absent, invalid or outside [1970, 2200)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is past what a datetime holds in UTC
        return None
    return parsed if _FIRST <= parsed < _LAST else None


def from_any(value: object, default_tz: tzinfo = UTC) -> datetime | None:
    """Epoch number, numeric string or ISO string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_epoch(value)
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return from_iso(value, default_tz)
        return from_epoch(value)
    return None


def zone(value: str | tzinfo | None) -> tzinfo:
    """The zone that local wall-clock times in a chat log are read in (default UTC)."""
    if value is None:
        return UTC
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputFormatError(f"unknown time zone {value!r}") from None
