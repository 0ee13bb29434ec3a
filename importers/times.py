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
# Past 2200 a number is not an epoch in seconds: tools that write milliseconds land far beyond it.
_MAX_EPOCH = 7258118400.0


def from_epoch(value: object) -> datetime | None:
    """An epoch in seconds (or milliseconds, which some tools write) as UTC; None if absent."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    if seconds > _MAX_EPOCH:
        seconds /= 1000.0
    if seconds > _MAX_EPOCH:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def from_iso(value: object, default_tz: tzinfo = UTC) -> datetime | None:
    """An ISO 8601 string as UTC; a string without an offset is read in `default_tz`."""
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
    return parsed.astimezone(UTC)


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
