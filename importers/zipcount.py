"""How many members a zip holds, read from its end records before zipfile lists them.

zipfile builds a ZipInfo (a few hundred bytes) for every member of the central directory as it
opens an archive: a small zip declaring millions of members would cost gigabytes before any
limit could look at the list. The end-of-central-directory record (and its zip64 form) states
the count and the directory's size up front.
"""

from __future__ import annotations

import os
import struct
from typing import Any, BinaryIO

from memd.errors import InputFormatError

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_MIN_CENTRAL_RECORD = 46  # bytes of one central directory entry with an empty name


def _central_directory(fh: BinaryIO) -> tuple[int, int] | None:
    """(entries declared, central directory bytes) read from the archive's end records, before
    zipfile builds a ZipInfo for each entry (a few hundred bytes of memory apiece); None when the
    end record is not found (zipfile then says what is wrong)."""
    end = fh.seek(0, os.SEEK_END)
    start = max(0, end - (_EOCD.size + 0xFFFF + _EOCD64_LOCATOR.size))
    fh.seek(start)
    tail = fh.read(end - start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    fields = _EOCD.unpack_from(tail, at)
    count, size = fields[4], fields[5]
    locator = at - _EOCD64_LOCATOR.size
    if (count == 0xFFFF or size == 0xFFFFFFFF) and locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
        offset = _EOCD64_LOCATOR.unpack_from(tail, locator)[2]
        if offset + _EOCD64.size <= end:
            fh.seek(offset)
            record = fh.read(_EOCD64.size)
            if record[:4] == b"PK\x06\x06":
                values = _EOCD64.unpack(record)
                count, size = values[7], values[8]
    return count, size


def check_member_count(label: str, file: Any, max_entries: int) -> None:
    """Refuse an archive (a path, or a seekable binary file) said to hold more than `max_entries`
    members, before zipfile reads its directory."""
    try:
        if isinstance(file, (str, os.PathLike)):
            with open(file, "rb") as fh:
                found = _central_directory(fh)
        else:
            found = _central_directory(file)
            file.seek(0)
    except OSError as exc:
        raise InputFormatError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    if found is None:
        return
    count, size = found
    # zipfile walks the directory by its size, not its count: both are checked.
    if count > max_entries or size > max_entries * 256:
        declared = max(count, size // _MIN_CENTRAL_RECORD)
        raise InputFormatError(f"{label}: refused, more than {max_entries} members"
                               f" (declares {declared}) (limits: max_entries)")
