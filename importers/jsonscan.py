"""Bounds on JSON text, checked on the raw bytes before a parser sees them.

ijson's C backend keeps a prefix per open level, so memory grows with the square of the nesting
depth (100,000 nested `[`, 200 KB of input, took 24 GB); Python's `json` gives up deep inside
the C stack; a very long string or number costs time and memory in every parser. So the bytes go
through `Scanner.feed` first, which refuses a chunk that would break a limit before any parser
gets it: the parser never sees more than one limit's worth of a hostile value.

The scan works a chunk at a time with bytes methods, `re` and `itertools`, so the per-byte work
stays in C: the chunk is split at quotes (escaped quotes are the only pieces looked at one by
one), string contents are dropped, and the brackets that remain give the depth through a running
sum. State carries across chunks: a string or number may be cut anywhere, an escape included.
Measured on a 41 MB ChatGPT export: the scan costs 40-65 % of ijson's own parse of the same bytes.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from typing import Any

from memd.errors import InputFormatError

MB = 1 << 20

# A whole string, from its opening quote to its closing one (escapes consumed in pairs).
_STRING = re.compile(rb'"[^"\\]*(?:\\[\s\S][^"\\]*)*"')
# The rest of a string already open: stops at its closing quote, or at a lone trailing backslash.
_STRING_REST = re.compile(rb'[^"\\]*(?:\\[\s\S][^"\\]*)*')
_NUMBER_TABLE = bytes.maketrans(b"-+.0123456789eE", b"0" * 15).translate(
    bytes.maketrans(bytes(b for b in range(256) if b not in b"-+.0123456789eE"), b" " * 241))
# Brackets become +1 / -1 (as signed bytes), everything else is deleted.
_DEPTH_TABLE = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


@dataclass(frozen=True)
class JsonLimits:
    max_depth: int = 256
    max_string: int = 16 * MB  # bytes, as written (escapes count as written)
    max_number: int = 1000  # characters of one number
    max_record: int = 64 * MB  # bytes of one item of the streamed array (0: no record level)


class LimitExceeded(InputFormatError):
    """Input refused because it breaks one of the [limits]; the message names the limit."""


def size_text(n: int) -> str:
    return f"{n / MB:g} MB" if n >= MB else f"{n} bytes"


class Scanner:
    """Feed the bytes of one JSON text in order; `feed` raises InputFormatError naming the limit.

    `record_depth` is the depth at which the streamed records sit (1 for the items of a top-level
    array, 2 for `messages.item`): bytes spent deeper than that, without coming back up, are one
    record's. 0 turns the record check off (a file read whole is bounded by its size instead).
    """

    def __init__(self, label: str, limits: JsonLimits, record_depth: int = 0):
        self.label = label
        self.limits = limits
        self.record_depth = record_depth
        self.depth = 0
        self.in_string = False
        self.escape_pending = False
        self.string_len = 0
        self.number_run = 0
        self.record_bytes = 0
        self.seen = 0

    def _refuse(self, what: str, limit: str) -> None:
        raise LimitExceeded(f"{self.label}: refused, {what} (limits: {limit})")

    def _check_string(self) -> None:
        if self.string_len > self.limits.max_string:
            self._refuse(f"a JSON string longer than {size_text(self.limits.max_string)} by byte {self.seen}",
                         "max_string_mb")

    def feed(self, chunk: bytes) -> None:
        self.seen += len(chunk)  # refusals name the end of the chunk they were found in
        pos = 0
        if self.in_string:
            pos = self._continue_string(chunk)
        if pos < len(chunk):
            self._scan_outside(chunk, pos)
        elif self.record_depth:  # all of it inside one string: still part of the record
            self._count_record(len(chunk), back_to_records=False)

    def _continue_string(self, chunk: bytes) -> int:
        pos = 0
        if self.escape_pending:
            self.escape_pending = False
            pos = 1
            self.string_len += 1
        end = _STRING_REST.match(chunk, pos).end()  # type: ignore[union-attr]
        self.string_len += end - pos
        if end == len(chunk):
            self._check_string()
            return end
        if chunk[end] == 0x5C:  # a backslash as the chunk's last byte: its pair is in the next
            self.escape_pending = True
            self.string_len += 1
            self._check_string()
            return len(chunk)
        self.string_len += 1  # the closing quote
        self._check_string()
        self.in_string = False
        self.number_run = 0
        return end + 1

    def _scan_outside(self, chunk: bytes, pos: int) -> None:
        part = chunk[pos:] if pos else chunk
        # A whole string longer than the limit fits only in a chunk longer than the limit: the
        # exact pattern is used then (small limits, tests); otherwise splitting at quotes is
        # 2-3 times cheaper.
        rest = self._outside_by_pattern(part) if len(part) > self.limits.max_string else self._outside_by_quotes(part)
        self._check_numbers(rest)
        if self.in_string:
            self.number_run = 0
        self._check_depth(rest, len(chunk))

    def _open_string(self, tail: bytes) -> None:
        """`tail`: the bytes after the opening quote of a string the chunk ends inside."""
        self.in_string = True
        self.string_len = len(tail) + 1
        backslashes = len(tail) - len(tail.rstrip(b"\\"))
        self.escape_pending = backslashes % 2 == 1
        self._check_string()

    def _outside_by_pattern(self, part: bytes) -> bytes:
        # Splitting at whole strings leaves the text between them verbatim, so a string still
        # open at the chunk's end is the first quote of the last piece (a quote inside it is
        # escaped, and an escaped quote never starts a match that could close).
        pieces = _STRING.split(part)
        longest = len(part) - sum(map(len, pieces)) if len(pieces) == 2 else max(
            map(len, _STRING.findall(part)), default=0)
        if longest > self.limits.max_string:
            self.string_len = longest
            self._check_string()
        last = pieces[-1]
        quote = last.find(b'"')
        if quote >= 0:  # a string opened here runs into the next chunk
            self._open_string(last[quote + 1:])
            pieces[-1] = last[:quote]
        # Strings become a space: their brackets and digits are not structure.
        return b" ".join(pieces) if len(pieces) > 1 else pieces[0]

    def _outside_by_quotes(self, part: bytes) -> bytes:
        """The text outside strings, strings as one space each. `part` starts outside a string.

        Split at every quote, piece j lies inside a string when j is odd, until a quote turns
        out to be escaped (its piece ends in an odd run of backslashes, inside a string): then
        the string goes on and the parity flips from there. Only pieces ending in a backslash
        are looked at one by one.
        """
        pieces = part.split(b'"')
        last = len(pieces) - 1
        outside: list[bytes] = []
        base, start = 0, 0  # in the segment from `start`, piece j is outside when j - base is even
        begin = None  # where the string open at `start` began (None: `start` is not inside one)
        escapes = compress(range(last), map(bytes.endswith, pieces, repeat(b"\\"))) if b'\\"' in part else ()
        for e in escapes:
            if (e - base) % 2 == 0:
                continue  # a backslash outside strings: not JSON; the parser will say so
            piece = pieces[e]
            if (len(piece) - len(piece.rstrip(b"\\"))) % 2 == 0:
                continue  # an escaped backslash: the quote after it is real
            first = start + (base - start) % 2
            outside.extend(pieces[first:e + 1:2])
            if not (e == start and begin is not None):
                begin = e
            base, start = e, e + 1
        first = start + (base - start) % 2
        outside.extend(pieces[first::2])
        if (last - base) % 2 == 1:  # the chunk ends inside a string
            opened = begin if (last == start and begin is not None) else last
            self._open_string(b'"'.join(pieces[opened:]))
        return b" ".join(outside)

    def _check_numbers(self, rest: bytes) -> None:
        limit = self.limits.max_number
        marks = rest.translate(_NUMBER_TABLE)  # number characters as "0", the rest as " "
        head = len(marks) - len(marks.lstrip(b"0"))
        if head == len(marks):  # all number characters: the number goes on
            self.number_run += head
        else:
            crossing = self.number_run + head
            self.number_run = len(marks) - len(marks.rstrip(b"0"))
            if crossing > limit or (len(marks) > limit and b"0" * (limit + 1) in marks):
                self.number_run = limit + 1
        if self.number_run > limit:
            self._refuse(f"a JSON number longer than {limit} characters by byte {self.seen}", "max_number_digits")

    def _check_depth(self, rest: bytes, chunk_len: int) -> None:
        brackets = rest.translate(_DEPTH_TABLE, _NOT_BRACKETS)
        back_to_records = self.depth <= self.record_depth
        if brackets:
            running = list(accumulate(array("b", brackets), initial=self.depth))
            deepest = max(running)
            if deepest > self.limits.max_depth:
                self._refuse(f"JSON nested more than {self.limits.max_depth} levels deep by byte {self.seen}",
                             "max_json_depth")
            self.depth = running[-1]
            back_to_records = back_to_records or min(running) <= self.record_depth
        if self.record_depth:
            self._count_record(chunk_len, back_to_records)

    def _count_record(self, chunk_len: int, back_to_records: bool) -> None:
        # Counted a chunk at a time: a record is refused within one chunk of the limit.
        if back_to_records:  # a record ended in this chunk; what follows it is the next one's
            self.record_bytes = 0 if self.depth <= self.record_depth else chunk_len
        else:
            self.record_bytes += chunk_len
        if self.record_bytes > self.limits.max_record:
            self._refuse(f"one record is larger than {size_text(self.limits.max_record)} by byte {self.seen}",
                         "max_record_mb")


class CheckedStream:
    """A binary stream whose bytes pass through a Scanner on their way to the parser."""

    def __init__(self, raw: Any, scanner: Scanner):
        self._raw = raw
        self.scanner = scanner

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        if data:
            self.scanner.feed(data)
        return data


def check_text(label: str, data: bytes, limits: JsonLimits, chunk: int = MB) -> None:
    """Scan a JSON text held whole (a file read whole, one JSONL line, one socket request)."""
    scanner = Scanner(label, limits)
    if len(data) <= chunk:
        scanner.feed(data)
        return
    view = memoryview(data)
    for start in range(0, len(data), chunk):
        scanner.feed(bytes(view[start:start + chunk]))
