"""Open a Notion export (zip, zip of Part-N.zip zips, or a folder) as a map of its files.

Notion's exports come as a zip; a large one as a zip of `Export-…-Part-N.zip` shards, sometimes
one level deeper again. A zip the user attached to a page sits inside that page's folder
(`Page <id>/archive.zip`) and is an attachment, never opened. So a `.zip` is an export wrapper
exactly when no folder above it and not its own name carries a Notion id; wrappers are opened
at any depth up to MAX_WRAPPERS, past which the export is refused (a zip nested 50 deep is an
attack, not an export).

Every member is read once when the export is opened, through safezip's checks (names,
symlinks, encryption) and its byte-counting guard (ratio, total size), and its CRC checked, so a
traversal, a bomb, a truncated or corrupt zip surfaces as one InputFormatError line before a
byte is written to the vault. That pass also notes which blocks pages link to (`…#<block id>`).
Pages are then read from the zip when converted (nothing is unpacked to disk: a file per page
costs more than the page); a Part zip is copied once to a temporary file, since a zip inside a
zip cannot be read in place; an attachment is copied out only when a page embeds it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import Any

from memd.errors import InputFormatError

from ..safezip import ZIP_MAGIC, Limits, _Budget, _check_member, _GuardedMember, _zipfile
from .names import split_id

MAX_WRAPPERS = 8
MAX_SCAN = 64 << 20  # bytes of one page scanned for block links
_CHUNK = 1 << 16
_BLOCK_HREF = re.compile(rb'href="[^"#]*#([0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})"')


def _is_wrapper(parts: list[str]) -> bool:
    """A zip that is part of the export's packaging (not a file the user attached)."""
    return parts[-1].lower().endswith(".zip") and all(split_id(p)[1] is None for p in parts)


class Unpacked:
    """The export's files by logical path (posix, NFC): a Path in a folder, or a zip member."""

    def __init__(self, source: Path, limits: Limits | None = None):
        self.source = source
        self.limits = limits or Limits()
        self.files: dict[str, Any] = {}
        self.duplicates: list[str] = []
        self.linked_blocks: set[str] = set()
        self._budget = _Budget(self.limits, source.name)
        self._closers: list[Any] = []
        self._tmp: Path | None = None
        self._copied: dict[str, Path] = {}

    def __enter__(self) -> Unpacked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        while self._closers:
            self._closers.pop().close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # -- reading ---------------------------------------------------------------------------------
    def read(self, logical: str, max_bytes: int) -> bytes:
        """A whole file; refused past `max_bytes`."""
        handle = self.files[logical]
        if isinstance(handle, Path):
            if handle.stat().st_size > max_bytes:
                raise InputFormatError(f"{logical}: larger than {max_bytes >> 20} MB")
            return handle.read_bytes()
        zf, info, cap, label = handle
        if info.file_size > max_bytes:
            raise InputFormatError(f"{logical}: larger than {max_bytes >> 20} MB")
        # Checked when the export was opened; this budget only bounds this one read.
        with self._member(label, zf, info, cap, _Budget(self.limits, label)) as src:
            data = src.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputFormatError(f"{logical}: larger than {max_bytes >> 20} MB")
        return data

    def local_path(self, logical: str) -> Path:
        """A file on disk with the member's bytes (an attachment to copy into the vault)."""
        handle = self.files[logical]
        if isinstance(handle, Path):
            return handle
        if logical not in self._copied:
            zf, info, cap, label = handle
            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="memd-notion-files-"))
            target = self._tmp / str(len(self._copied))
            with self._member(label, zf, info, cap, _Budget(self.limits, label)) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
            self._copied[logical] = target
        return self._copied[logical]

    # -- opening ---------------------------------------------------------------------------------
    def _add(self, logical: str, handle: Any) -> None:
        key = unicodedata.normalize("NFC", logical)
        if key in self.files:
            self.duplicates.append(key)  # the same file in two Part zips: the first is kept
            return
        if len(self.files) >= self.limits.max_entries:
            raise InputFormatError(f"{self.source.name}: refused, more than {self.limits.max_entries} files"
                                   " (limits: max_entries)")
        self.files[key] = handle

    def load(self) -> Unpacked:
        p = self.source
        if not p.exists():
            raise InputFormatError(f"{p}: no such file or folder")
        try:
            if p.is_dir():
                self._load_dir(p)
            else:
                with p.open("rb") as fh:
                    head = fh.read(4)
                if head not in ZIP_MAGIC and p.suffix.lower() != ".zip":
                    raise InputFormatError(f"{p}: not a Notion export (expected a .zip or an unzipped folder)")
                fh = p.open("rb")
                self._closers.append(fh)
                self._load_zip(p.name, fh, head, "", 0, p.stat().st_size)
        except BaseException:
            self.close()
            raise
        return self

    def _load_dir(self, root: Path) -> None:
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX"
                                 and not (Path(dirpath) / d).is_symlink())
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            for fname in sorted(filenames):
                full = Path(dirpath) / fname
                if fname.startswith(".") or full.is_symlink() or not full.is_file():
                    continue
                rel = fname if rel_dir == "." else f"{rel_dir}/{fname}"
                parts = rel.split("/")
                if _is_wrapper(parts):
                    fh = full.open("rb")
                    self._closers.append(fh)
                    self._load_zip(rel, fh, fh.read(4), "/".join(parts[:-1]), 1, full.stat().st_size)
                    continue
                self._add(rel, full)
                if fname.lower().endswith(".html") and full.stat().st_size <= MAX_SCAN:
                    self._scan(full.read_bytes())

    def _load_zip(self, label: str, fh: Any, head: bytes, prefix: str, depth: int, cap: int) -> None:
        if depth > MAX_WRAPPERS:
            raise InputFormatError(f"{self.source.name}: refused, zips nested more than {MAX_WRAPPERS} deep")
        fh.seek(0)
        zf = _zipfile(label, fh, head, self.limits)
        self._closers.append(zf)
        infos = zf.infolist()
        if len(infos) + len(self.files) > self.limits.max_entries:
            raise InputFormatError(f"{label}: refused, more than {self.limits.max_entries} members"
                                   " (limits: max_entries)")
        for info in infos:
            parts = _check_member(label, info)
            if parts is None:
                continue
            logical = "/".join([prefix, *parts]) if prefix else "/".join(parts)
            if _is_wrapper(parts):
                self._nested(label, zf, info, cap, logical.rsplit("/", 1)[0] if "/" in logical else "", depth)
                continue
            self._check(label, zf, info, cap, parts[-1].lower().endswith(".html"))
            self._add(logical, (zf, info, cap, label))

    def _check(self, label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, scan: bool) -> None:
        """Read the member through the guard to its end (the CRC is checked there)."""
        keep = scan and info.file_size <= MAX_SCAN
        chunks = []
        with self._member(label, zf, info, cap, self._budget) as src:
            while chunk := src.read(_CHUNK):
                if keep:
                    chunks.append(chunk)
        if keep:
            self._scan(b"".join(chunks))

    def _scan(self, data: bytes) -> None:
        if b"#" in data:
            self.linked_blocks.update(m.group(1).decode().replace("-", "") for m in _BLOCK_HREF.finditer(data))

    def _member(self, label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int,
                budget: _Budget) -> io.BufferedReader:
        member_label = f"{label}/{info.filename}"
        try:
            raw = zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
            raise InputFormatError(f"{member_label}: cannot be read ({exc})") from None
        guarded = _GuardedMember(raw, member_label, min(info.compress_size, cap), budget)
        return io.BufferedReader(guarded, _CHUNK)  # type: ignore[arg-type]

    def _nested(self, label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, prefix: str,
                depth: int) -> None:
        tmp = tempfile.TemporaryFile(prefix="memd-notion-part-")
        self._closers.append(tmp)
        with self._member(label, zf, info, cap, self._budget) as src:
            shutil.copyfileobj(src, tmp, _CHUNK)
        size = tmp.tell()
        tmp.seek(0)
        head = tmp.read(4)
        self._load_zip(f"{label}/{info.filename}", tmp, head, prefix, depth + 1, size)


def unpack(path: str | os.PathLike[str], limits: Limits | None = None) -> Unpacked:
    """The export at `path`, opened and checked (see the module docstring). Close it when done."""
    return Unpacked(Path(path).expanduser(), limits).load()
