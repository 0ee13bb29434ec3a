"""JSON reading for exports: streamed for big arrays, whole for small files, errors as one line.

Big exports (a 1 GB conversations.json) are read item by item with ijson so memory stays bounded
by the largest single conversation. Every JSON or UTF-8 problem becomes an InputFormatError
naming the file, so a user sees "conversations.json: invalid JSON (...)" and not a traceback.

Every byte a parser gets has first passed the source's limits (jsonscan: nesting depth, string,
number and record size), so a hostile file is refused with one line naming the limit, having
cost at most one limit's worth of memory and time.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ijson

from memd.errors import InputFormatError

from .jsonscan import CheckedStream, JsonLimits, LimitExceeded, Scanner, check_text, size_text
from .safezip import Entry, Source

_BOM = b"\xef\xbb\xbf"
# ijson's C backend copies a value cut by a read boundary once per read: big reads keep a long
# string linear (16 MB: 1.1 s at 64 KB reads, 0.1 s at 1 MB).
_READ = 1 << 20


def _yajl_reason(exc: Exception) -> str:
    # yajl's message spans several lines with a caret drawing; the first line is the reason.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first.removeprefix("b'").rstrip(".")


def _skip_bom_and_space(stream: io.BufferedReader) -> bytes:
    """Consume a UTF-8 BOM and leading whitespace; return the first significant byte (peeked)."""
    if stream.peek(3)[:3] == _BOM:
        stream.read(3)
    while True:
        # A buffer's worth at a time: a file of a gigabyte of blanks must not cost a call per byte.
        ahead = stream.peek(1 << 16)
        blanks = len(ahead) - len(ahead.lstrip(b" \t\r\n"))
        if blanks == 0:
            return ahead[:1]
        stream.read(blanks)


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
        checked = CheckedStream(stream, Scanner(label, source.limits.json(), record_depth=prefix.count(".") + 1))
        try:
            for item in ijson.items(checked, prefix, use_float=True, buf_size=_READ):
                count += 1
                yield item
        except ijson.JSONError as exc:
            where = f" after {count} items" if count else ""
            raise InputFormatError(f"{label}: invalid JSON{where} ({_yajl_reason(exc)})") from None


def load(source: Source, entry: Entry, max_bytes: int | None = None) -> Any:
    """Parse a small JSON file whole (manifests, user lists, one Slack day); at most the record
    limit unless `max_bytes` says otherwise."""
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
    del data
    try:
        return loads(label, text, source.limits.json())
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"{label}: invalid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def loads(label: str, text: str, limits: JsonLimits) -> Any:
    """json.loads within `limits`: one JSONL line, one file read whole. A limit broken raises
    LimitExceeded; invalid JSON raises json.JSONDecodeError (a JSONL parser skips that line)."""
    # Shorter than every limit, a text cannot break one: most JSONL lines skip the scan.
    if len(text) > min(limits.max_depth, limits.max_number):
        check_text(label, text.encode("utf-8", "surrogatepass"), limits)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:  # only when [limits] allows more depth than Python's json does
        raise LimitExceeded(f"{label}: refused, JSON nested too deeply for Python's parser"
                            " (limits: max_json_depth)") from None
    except ValueError as exc:  # an integer past Python's int_max_str_digits
        raise LimitExceeded(f"{label}: refused, {exc} (limits: max_number_digits)") from None


def iter_lines(source: Source, entry: Entry, line_is: str = "record",
               skip_blank: bool = False) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 text member, streamed; line endings removed. A line longer
    than the record limit (a JSONL record) or, with `line_is="string"`, the string limit (a chat
    log's message line) is refused before it is held whole. With `skip_blank` (JSONL), blank
    lines and leading blanks are passed over a buffer at a time: a zip of a gigabyte of newlines
    costs no Python call per line."""
    label = source.label(entry)
    limit, name = ((source.limits.max_string, "max_string_mb") if line_is == "string"
                   else (source.limits.max_record, "max_record_mb"))
    piece = min(limit + 1, _READ)
    with source.open(entry) as stream:
        if stream.peek(3)[:3] == _BOM:
            stream.read(3)
        number = 0
        while True:
            if skip_blank:
                number += _skip_blanks(stream)
            raw = stream.readline(piece)
            if not raw:
                break
            number += 1
            if not raw.endswith(b"\n") and len(raw) == piece:
                raw = _rest_of_line(stream, raw, limit, piece, f"{label}: refused, line {number}", name)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputFormatError(f"{label}: not valid UTF-8 (line {number}, byte {exc.start})") from None
            yield number, text.rstrip("\r\n")


def _skip_blanks(stream: io.BufferedReader) -> int:
    """Consume blanks (newlines included) up to the next other byte; the newlines consumed."""
    newlines = 0
    while True:
        ahead = stream.peek(1 << 16)
        blanks = len(ahead) - len(ahead.lstrip(b" \t\r\n"))
        if blanks == 0:
            return newlines
        newlines += ahead.count(b"\n", 0, blanks)
        stream.read(blanks)


def _rest_of_line(stream: io.BufferedReader, first: bytes, limit: int, piece: int, refusal: str, name: str) -> bytes:
    parts = [first]
    total = len(first)
    while total <= limit:
        more = stream.readline(piece)
        if not more:
            break
        parts.append(more)
        total += len(more)
        if more.endswith(b"\n"):
            break
    if total > limit and not (total == limit + 1 and parts[-1].endswith(b"\n")):
        raise LimitExceeded(f"{refusal} is longer than {size_text(limit)} (limits: {name})")
    return b"".join(parts)


def head_values(source: Source, entry: Entry, keys: tuple[str, ...], max_bytes: int = 1 << 20) -> dict[str, Any]:
    """Values of small top-level keys that exporters write before their big message arrays
    (a Discord channel's `guild`, a Telegram account's `personal_information`), read from the
    first `max_bytes` only so the big array is never loaded for them."""
    with source.open(entry) as stream:
        head = stream.read(max_bytes)
    if head.startswith(_BOM):
        head = head[3:]
    check_text(source.label(entry), head, source.limits.json())
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
    if stripped[:1] in (b"[", b"{"):
        # Detection reads this head of every candidate file: it is held to the limits too.
        check_text(source.label(entry), head, source.limits.json())
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
