"""Builders of hostile export files, small on disk: deep nesting, strings and numbers far past the
limits, zip bombs, zips that lie about themselves. Shared by the hostile-corpus test and
bench/safety_bench.py; everything is written into a folder the caller owns (a tmp dir).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

GIB = 1 << 30
MIB = 1 << 20


def _segment(data: bytes, final: bool = False) -> bytes:
    """A raw deflate stream for `data` that needs no history and ends byte-aligned: such
    segments can follow each other, so a gigabyte is a few thousand copies of one segment."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


class Member:
    """A zip member given as head + block * count + tail (uncompressed), deflated in segments."""

    def __init__(self, name: str, head: bytes, block: bytes = b"", count: int = 0, tail: bytes = b""):
        self.name, self.head, self.block, self.count, self.tail = name, head, block, count, tail

    def deflated(self) -> tuple[bytes, int, int]:
        body = _segment(self.head) + (_segment(self.block) * self.count if self.count else b"") + _segment(self.tail, True)
        crc = zlib.crc32(self.head)
        for _ in range(self.count):
            crc = zlib.crc32(self.block, crc)
        crc = zlib.crc32(self.tail, crc)
        size = len(self.head) + len(self.block) * self.count + len(self.tail)
        return body, crc, size


def write_zip(path: Path, members: list[Member], declared_entries: int | None = None) -> Path:
    """A deflated zip written by hand (zipfile would spend seconds compressing a gigabyte).
    `declared_entries` makes the end record lie about the number of members."""
    local, central = bytearray(), bytearray()
    for m in members:
        body, crc, size = m.deflated()
        assert size < 0xFFFFFFFF, "no zip64 here"
        name = m.name.encode()
        offset = len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(body), size, len(name), 0)
        local += name + body
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(body), size,
                               len(name), 0, 0, 0, 0, 0o100644 << 16, offset)
        central += name
    count = len(members) if declared_entries is None else declared_entries
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), len(central),
                      len(local), 0)
    if count >= 0xFFFF:  # only a zip64 end record can say more than 65,535
        z64_offset = len(local) + len(central)
        z64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), len(local))
        locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, z64_offset, 1)
        end = z64 + locator + end
    path.write_bytes(bytes(local) + bytes(central) + end)
    return path


def plain_zip(path: Path, members: dict[str, bytes], **kwargs) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, **kwargs) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def deep(n: int = 100_000, opener: bytes = b"[") -> bytes:
    return opener * n


def deep_zip(path: Path, name: str, prefix: bytes = b"", n: int = 100_000) -> Path:
    """The 348-byte zip of the issue: `n` nested arrays."""
    return write_zip(path, [Member(name, prefix + b"[" * n)])


def huge_string_zip(path: Path, name: str, prefix: bytes, suffix: bytes, size: int = GIB) -> Path:
    """One JSON string of `size` bytes (1 GiB: a zip of about 1 MB)."""
    return write_zip(path, [Member(name, prefix + b'"', b"a" * MIB, size // MIB, b'"' + suffix)])


def huge_line_zip(path: Path, name: str, size: int = GIB) -> Path:
    """A text file that is one line of `size` bytes with no newline."""
    return write_zip(path, [Member(name, b"", b"x" * MIB, size // MIB, b"")])
