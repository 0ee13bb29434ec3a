"""Open an export the same way whether it is a zip, an unpacked folder or one file.

Exports come from the internet and are opened by a daemon with write access to the user's vault,
so a zip is treated as hostile until proven otherwise:

* member names with `..`, an absolute path, a drive letter or a NUL are refused (zip slip), and
  so are symlink members and encrypted members;
* sizes in the headers are not trusted: every byte read is counted while streaming, per member
  against a compression-ratio limit and for the whole source against a total, so a zip bomb is
  stopped after reading at most the limit, whatever its headers claim;
* a zip inside the zip (Notion, re-zipped ChatGPT exports) is opened one level deep, under the
  same limits; deeper zips are left as opaque files.

Members are streamed, never read whole, and macOS debris (`__MACOSX/`, `._*`, `.DS_Store`) is
invisible. When everything sits in one top folder (`export-2024/conversations.json`), that
folder is stripped from the logical paths so parsers can ask for `conversations.json`.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from memd.errors import InputFormatError

from .jsonscan import JsonLimits
from .zipcount import check_member_count

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """Bounds on what one source may expand to and on the JSON inside it. The defaults admit a
    multi-gigabyte export; `from_config` takes them from the `[limits]` section."""

    max_ratio: float = 200.0  # uncompressed / compressed bytes of one member
    ratio_grace: int = 1 << 20  # tiny members legitimately compress far better than 200:1
    max_total: int = 16 << 30  # uncompressed bytes read from the whole source
    max_entries: int = 500_000
    max_depth: int = 256  # JSON nesting
    max_string: int = 16 << 20  # bytes of one JSON string or one chat-log line
    max_number: int = 1000  # characters of one JSON number
    max_record: int = 64 << 20  # bytes of one conversation, one JSONL line, one JSON file read whole

    @classmethod
    def from_config(cls, section: Any) -> Limits:
        """From a memd.config.LimitsSection (or anything with its attributes)."""
        mb = 1 << 20
        return cls(max_ratio=float(section.max_zip_ratio), max_total=int(section.max_expand_gb * (1 << 30)),
                   max_entries=int(section.max_entries), max_depth=int(section.max_json_depth),
                   max_string=int(section.max_string_mb * mb), max_number=int(section.max_number_digits),
                   max_record=int(section.max_record_mb * mb))

    def json(self) -> JsonLimits:
        return JsonLimits(self.max_depth, self.max_string, self.max_number, self.max_record)


@dataclass(frozen=True)
class Entry:
    """One regular file of a source. `path` is the logical path (posix, top folder stripped)."""

    path: str
    size: int | None  # as declared; only a hint, never a limit
    member: str = field(compare=False)  # the name inside its archive, or the path under the folder
    _container: Any = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _is_junk(parts: list[str]) -> bool:
    # Finder adds resource forks and folder metadata to every zip it makes.
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] == ".DS_Store"


def natural_key(path: str) -> list[Any]:
    """Sort `conversations-2.json` before `conversations-10.json`."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", path)]


def _strip_common_top(paths: list[str]) -> int:
    """How many leading folders every path shares (and has beneath it)."""
    split = [p.split("/") for p in paths]
    depth = 0
    while split and all(len(s) > depth + 1 for s in split) and len({s[depth] for s in split}) == 1:
        depth += 1
    return depth


class _Budget:
    def __init__(self, limits: Limits, label: str):
        self.limits = limits
        self.label = label
        self.used = 0

    def consume(self, n: int) -> None:
        self.used += n
        if self.used > self.limits.max_total:
            raise InputFormatError(
                f"{self.label}: refused, it expands to more than {self.limits.max_total} bytes (zip bomb?)"
                " (limits: max_expand_gb)"
            )


class _GuardedMember(io.RawIOBase):
    """A zip member stream that counts what it really produces."""

    def __init__(self, raw: IO[bytes], label: str, compressed: int, budget: _Budget):
        self._raw = raw
        self._label = label
        self._compressed = max(compressed, 1)
        self._budget = budget
        self._out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._raw.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise InputFormatError(f"{self._label}: corrupt zip member ({exc})") from None
        n = len(data)
        buffer[:n] = data
        self._out += n
        self._budget.consume(n)
        limits = self._budget.limits
        if self._out > limits.ratio_grace and self._out > limits.max_ratio * self._compressed:
            raise InputFormatError(
                f"{self._label}: refused, it expands more than {limits.max_ratio:g}:1 (zip bomb?)"
                " (limits: max_zip_ratio)"
            )
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


class Source:
    """A read-only view of an export: its files, found by logical path, opened as streams."""

    def __init__(self, path: Path, kind: str, entries: list[Entry], opener: Callable[[Entry], BinaryIO],
                 closers: list[Callable[[], None]] | None = None, skipped: list[str] | None = None,
                 limits: Limits | None = None):
        self.path = path
        self.name = path.name
        self.kind = kind  # "zip" | "dir" | "file"
        self.entries: tuple[Entry, ...] = tuple(sorted(entries, key=lambda e: natural_key(e.path)))
        self.skipped: list[str] = skipped or []  # things present but not offered (symlinks in a folder)
        self._opener = opener
        self._closers = closers or []
        self.limits = limits or Limits()

    def __repr__(self) -> str:
        return f"Source({str(self.path)!r}, kind={self.kind!r}, entries={len(self.entries)})"

    def find(self, *paths: str) -> Entry | None:
        """The first entry whose logical path equals one of `paths` (case-insensitive)."""
        by_lower = {e.path.lower(): e for e in reversed(self.entries)}
        for p in paths:
            hit = by_lower.get(p.lower())
            if hit is not None:
                return hit
        return None

    def glob(self, pattern: str) -> list[Entry]:
        """Entries whose logical path matches `pattern` (fnmatch, case-insensitive), naturally sorted."""
        pat = pattern.lower()
        return [e for e in self.entries if fnmatch.fnmatchcase(e.path.lower(), pat)]

    def open(self, entry: Entry) -> io.BufferedReader:
        return io.BufferedReader(self._opener(entry), _CHUNK)  # type: ignore[arg-type]

    def label(self, entry: Entry) -> str:
        return self.name if self.kind == "file" else f"{self.name}/{entry.path}"

    def read_bytes(self, entry: Entry, max_bytes: int | None = None) -> bytes:
        """The whole member, for small files (user lists, manifests). Refuses past `max_bytes`
        (default: the record limit), having read no more than that."""
        limit = self.limits.max_record if max_bytes is None else max_bytes
        chunks: list[bytes] = []
        total = 0
        with self.open(entry) as fh:
            while chunk := fh.read(min(_CHUNK * 16, limit + 1 - total)):
                chunks.append(chunk)
                total += len(chunk)
                if total > limit:
                    raise InputFormatError(f"{self.label(entry)}: refused, larger than {limit >> 20} MB to load"
                                           " whole (limits: max_record_mb)")
        return b"".join(chunks)

    def read_text(self, entry: Entry, max_bytes: int | None = None) -> str:
        data = self.read_bytes(entry, max_bytes)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputFormatError(f"{self.label(entry)}: not valid UTF-8 (byte {exc.start})") from None

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(path: str | os.PathLike[str], limits: Limits | None = None) -> Source:
    """Open a zip, a folder or a single file. Raises InputFormatError with one line on refusal."""
    limits = limits or Limits()
    p = Path(path).expanduser()
    if not p.exists():
        raise InputFormatError(f"{p}: no such file or folder")
    if p.is_dir():
        return _open_dir(p, limits)
    try:
        with p.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise InputFormatError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    if not head and p.is_file():  # one wording for every importer and for --format auto
        raise InputFormatError(f"{p.name}: the file is empty")
    if head in ZIP_MAGIC or p.suffix.lower() == ".zip":
        return _open_zip(p, limits, head)
    return Source(p, "file", [Entry(p.name, p.stat().st_size, str(p))], _open_plain, limits=limits)


def _open_plain(entry: Entry) -> BinaryIO:
    return open(entry.member, "rb")  # the caller's BufferedReader owns and closes it


def _open_dir(root: Path, limits: Limits) -> Source:
    found: list[tuple[str, int]] = []
    skipped: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        # Hidden folders (.git, .obsidian) are never part of an export; linked folders could
        # lead anywhere on the disk (or loop), so they are reported and not entered.
        kept = []
        for d in sorted(dirnames):
            if d.startswith(".") or d == "__MACOSX":
                continue
            if (Path(dirpath) / d).is_symlink():
                skipped.append(d if rel_dir == "." else f"{rel_dir}/{d}")
                continue
            kept.append(d)
        dirnames[:] = kept
        for fname in sorted(filenames):
            rel = fname if rel_dir == "." else f"{rel_dir}/{fname}"
            if _is_junk(rel.split("/")) or fname.startswith("."):
                continue
            full = Path(dirpath) / fname
            # A link can point anywhere on the disk; an export never needs one.
            if full.is_symlink() or not full.is_file():
                skipped.append(rel)
                continue
            found.append((rel, full.stat().st_size))
            if len(found) > limits.max_entries:
                raise InputFormatError(f"{root}: refused, more than {limits.max_entries} files (limits: max_entries)")
    depth = _strip_common_top([rel for rel, _ in found])
    entries = [Entry("/".join(rel.split("/")[depth:]), size, str(root / rel)) for rel, size in found]
    return Source(root, "dir", entries, _open_plain, skipped=skipped, limits=limits)


def _check_member(label: str, info: zipfile.ZipInfo) -> list[str] | None:
    """The member's path parts, None for members to ignore; raises for dangerous members."""
    name = info.filename
    # Windows tools write backslashes; a `..\\` is as dangerous there as `../` here.
    norm = name.replace("\\", "/")
    if "\x00" in norm or norm.startswith("/") or _DRIVE.match(norm):
        raise InputFormatError(f"{label}: refused, member {name!r} has an absolute path")
    parts = [part for part in norm.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise InputFormatError(f"{label}: refused, member {name!r} points outside the archive")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InputFormatError(f"{label}: refused, member {name!r} is a symbolic link")
    if info.is_dir() or not parts:
        return None
    if info.flag_bits & 0x1:
        raise InputFormatError(f"{label}: refused, member {name!r} is encrypted")
    if _is_junk(parts):
        return None
    return parts


def _zipfile(label: str, file: Any, head: bytes | None, limits: Limits) -> zipfile.ZipFile:
    check_member_count(label, file, limits.max_entries)
    try:
        return zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        if head is not None and head not in ZIP_MAGIC:
            raise InputFormatError(f"{label}: not a zip file") from None
        raise InputFormatError(f"{label}: truncated or corrupt zip file") from None
    except (OSError, EOFError, ValueError) as exc:
        raise InputFormatError(f"{label}: truncated or corrupt zip file ({exc})") from None


def _open_zip(path: Path, limits: Limits, head: bytes) -> Source:
    budget = _Budget(limits, path.name)
    closers: list[Callable[[], None]] = []
    outer = _zipfile(path.name, str(path), head, limits)
    closers.append(outer.close)
    try:
        members: list[tuple[str, zipfile.ZipInfo, zipfile.ZipFile, int]] = []
        _list_members(path.name, outer, limits, budget, members, closers, prefix="", nested=True,
                      cap=path.stat().st_size)
    except BaseException:
        for close in reversed(closers):
            close()
        raise

    def opener(entry: Entry) -> BinaryIO:
        zf, info, cap = entry._container
        label = f"{path.name}/{entry.member}"
        try:
            raw = zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
            raise InputFormatError(f"{label}: cannot be read ({exc})") from None
        # The declared compressed size cannot be trusted to be small; the bytes on disk can.
        compressed = min(info.compress_size, cap)
        return _GuardedMember(raw, label, compressed, budget)  # type: ignore[return-value]

    depth = _strip_common_top([m[0] for m in members])
    entries = [
        Entry("/".join(logical.split("/")[depth:]), info.file_size, logical, (zf, info, cap))
        for logical, info, zf, cap in members
    ]
    return Source(path, "zip", entries, opener, closers, limits=limits)


def _list_members(label: str, zf: zipfile.ZipFile, limits: Limits, budget: _Budget,
                  out: list[tuple[str, zipfile.ZipInfo, zipfile.ZipFile, int]],
                  closers: list[Callable[[], None]], prefix: str, nested: bool, cap: int) -> None:
    # `cap` is the archive's real size on disk: no member can have consumed more than that.
    infos = zf.infolist()
    if len(infos) + len(out) > limits.max_entries:
        raise InputFormatError(f"{label}: refused, more than {limits.max_entries} members (limits: max_entries)")
    for info in infos:
        parts = _check_member(label, info)
        if parts is None:
            continue
        logical = prefix + "/".join(parts)
        if nested and parts[-1].lower().endswith(".zip"):
            _expand_nested(label, zf, info, cap, limits, budget, out, closers, logical[:-4])
            continue
        out.append((logical, info, zf, cap))


def _expand_nested(label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, limits: Limits,
                   budget: _Budget, out: list[tuple[str, zipfile.ZipInfo, zipfile.ZipFile, int]],
                   closers: list[Callable[[], None]], logical_base: str) -> None:
    """Copy the inner zip to a temp file through the guard (a zip needs seeking, a compressed
    member cannot seek cheaply), then list it under `<name without .zip>/`."""
    inner_label = f"{label}/{info.filename}"
    try:
        raw = zf.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
        raise InputFormatError(f"{inner_label}: cannot be read ({exc})") from None
    tmp = tempfile.TemporaryFile(prefix="memd-nested-")
    closers.append(tmp.close)
    with io.BufferedReader(_GuardedMember(raw, inner_label, min(info.compress_size, cap), budget), _CHUNK) as src:  # type: ignore[arg-type]
        while chunk := src.read(_CHUNK):
            tmp.write(chunk)
    tmp.seek(0)
    head = tmp.read(4)
    tmp.seek(0)
    inner = _zipfile(inner_label, tmp, head, limits)
    closers.append(inner.close)
    size = tmp.seek(0, os.SEEK_END)
    _list_members(inner_label, inner, limits, budget, out, closers, prefix=logical_base + "/", nested=False, cap=size)
