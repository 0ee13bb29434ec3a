"""JSON reading for exports: streamed for big arrays, whole for small files, errors as one line.

Big exports (a 1 GB conversations.json) are read item by item with ijson so memory stays bounded
by the largest single conversation. Every JSON or UTF-8 problem becomes an InputFormatError
naming the file, so a user sees "conversations.json: invalid JSON (...)" and not a traceback.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ijson

from memd.errors import InputFormatError

from .safezip import Entry, Source

_BOM = b"\xef\xbb\xbf"


def _yajl_reason(exc: Exception) -> str:
    # yajl's message spans several lines with a caret drawing; the first line is the reason.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first.removeprefix("b'").rstrip(".")


def _skip_bom_and_space(stream: io.BufferedReader) -> bytes:
    """Consume a UTF-8 BOM and leading whitespace; return the first significant byte (peeked)."""
    if stream.peek(3)[:3] == _BOM:
        stream.read(3)
    while True:
        head = stream.peek(1)[:1]
        if head in (b" ", b"\t", b"\r", b"\n"):
            stream.read(1)
            continue
        return head


def iter_array(source: Source, entry: Entry, what: str = "a JSON array", prefix: str = "item") -> Iterator[Any]:
    """Yield the items of the JSON array at `prefix` ("item": the top-level array;
    "messages.item": the array under the top-level key "messages"), streaming."""
    label = source.label(entry)
    opener = b"[" if prefix == "item" else b"{"
    with source.open(entry) as stream:
        first = _skip_bom_and_space(stream)
        if first == b"":
            raise InputFormatError(f"{label}: the file is empty")
        if first != opener:
            raise InputFormatError(f"{label}: expected {what}, found something else")
        count = 0
        try:
            for item in ijson.items(stream, prefix, use_float=True):
                count += 1
                yield item
        except ijson.JSONError as exc:
            where = f" after {count} items" if count else ""
            raise InputFormatError(f"{label}: invalid JSON{where} ({_yajl_reason(exc)})") from None


def load(source: Source, entry: Entry, max_bytes: int = 256 << 20) -> Any:
    """Parse a small JSON file whole (manifests, user lists, one Slack day)."""
    label = source.label(entry)
    data = source.read_bytes(entry, max_bytes)
    if data.startswith(_BOM):
        data = data[3:]
    if not data.strip():
        raise InputFormatError(f"{label}: the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"{label}: not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"{label}: invalid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InputFormatError(f"{label}: invalid JSON (nested too deeply)") from None


def iter_lines(source: Source, entry: Entry) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 text member, streamed; line endings removed."""
    label = source.label(entry)
    with source.open(entry) as stream:
        if stream.peek(3)[:3] == _BOM:
            stream.read(3)
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputFormatError(f"{label}: not valid UTF-8 (line {number}, byte {exc.start})") from None
            yield number, text.rstrip("\r\n")


def head_values(source: Source, entry: Entry, keys: tuple[str, ...], max_bytes: int = 1 << 20) -> dict[str, Any]:
    """Values of small top-level keys that exporters write before their big message arrays
    (a Discord channel's `guild`, a Telegram account's `personal_information`), read from the
    first `max_bytes` only so the big array is never loaded for them."""
    with source.open(entry) as stream:
        head = stream.read(max_bytes)
    if head.startswith(_BOM):
        head = head[3:]
    found: dict[str, Any] = {}
    for key in keys:
        try:
            for value in ijson.items(io.BytesIO(head), key, use_float=True):
                found[key] = value
                break
        except (ijson.JSONError, UnicodeDecodeError):
            continue
    return found


def require_json(source: Source, entry: Entry, head_bytes: int = 1 << 16) -> None:
    """Raise a one-line InputFormatError if `entry` plainly is not JSON text (empty, binary,
    not UTF-8, or not starting with an object or array); checks only the first bytes."""
    label = source.label(entry)
    with source.open(entry) as stream:
        head = stream.read(head_bytes)
    if head.startswith(_BOM):
        head = head[3:]
    if not head.strip():
        raise InputFormatError(f"{label}: the file is empty")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the head limit is not an error.
        if exc.start < len(head) - 3:
            raise InputFormatError(f"{label}: not valid UTF-8 (byte {exc.start})") from None
    if head.lstrip()[:1] not in (b"{", b"["):
        raise InputFormatError(f"{label}: not a JSON file")


@dataclass
class Shape:
    """What the start of a JSON file looks like, for format detection."""

    top: str | None = None  # "array" | "object" | None (not JSON)
    keys: set[str] = field(default_factory=set)  # top-level object keys seen
    item_keys: set[str] = field(default_factory=set)  # keys of the first array item
    nested_keys: dict[str, set[str]] = field(default_factory=dict)  # keys one level down, per key


def peek_shape(source: Source, entry: Entry, max_bytes: int = 1 << 20) -> Shape:
    """Look at the first `max_bytes` of a JSON member without parsing the whole file.

    A truncated view is fine: ijson reports events as they come, and we stop on the error.
    """
    shape = Shape()
    try:
        with source.open(entry) as stream:
            head = stream.read(max_bytes)
    except InputFormatError:
        return shape
    if head.startswith(_BOM):
        head = head[3:]
    stripped = head.lstrip()
    if stripped[:1] == b"[":
        shape.top = "array"
    elif stripped[:1] == b"{":
        shape.top = "object"
    else:
        return shape
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if event != "map_key":
                continue
            if prefix == "":
                shape.keys.add(value)
            elif prefix == "item":
                shape.item_keys.add(value)
            elif "." not in prefix:
                shape.nested_keys.setdefault(prefix, set()).add(value)
            elif prefix.startswith("item.") and prefix.count(".") == 1:
                shape.nested_keys.setdefault(prefix, set()).add(value)
            elif prefix.endswith(".item") and prefix.count(".") <= 2:
                shape.nested_keys.setdefault(prefix, set()).add(value)
    except (ijson.JSONError, UnicodeDecodeError):
        pass
    return shape
