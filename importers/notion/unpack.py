"""Unpack a Notion export (zip, zip of Part-N.zip zips, or a folder) into a temporary folder.

Notion's exports come as a zip; a large one as a zip of `Export-…-Part-N.zip` shards, sometimes
one level deeper again. A zip the user attached to a page sits inside that page's folder
(`Page <id>/archive.zip`) and is an attachment, never opened. So a `.zip` is an export wrapper
exactly when no folder above it and not its own name carries a Notion id; wrappers are opened
at any depth up to MAX_WRAPPERS, past which the export is refused (a zip nested 50 deep is an
attack, not an export).

Everything is unpacked before a byte is written to the vault: a traversal, a bomb, a truncated
or corrupt zip surfaces here as one InputFormatError line. Members go through safezip's checks
and its byte-counting guard (names, symlinks, encryption, ratio, total size, member count).
Files are stored under numbered names, so a hostile or 300-byte member name never reaches the
filesystem; the logical path (posix, NFC) maps to the stored file.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from pathlib import Path

from memd.errors import InputFormatError

from ..safezip import ZIP_MAGIC, Limits, _Budget, _check_member, _GuardedMember, _zipfile
from .names import split_id

MAX_WRAPPERS = 8
_CHUNK = 1 << 16


def _is_wrapper(parts: list[str]) -> bool:
    """A zip that is part of the export's packaging (not a file the user attached)."""
    return parts[-1].lower().endswith(".zip") and all(split_id(p)[1] is None for p in parts)


class Unpacked:
    """The export's files: logical path -> file on disk. Remove with `close()`."""

    def __init__(self, source: Path, limits: Limits | None = None):
        self.source = source
        self.limits = limits or Limits()
        self.files: dict[str, Path] = {}
        self.duplicates: list[str] = []
        self._tmp: Path | None = None
        self._budget = _Budget(self.limits, source.name)
        self._n = 0

    def __enter__(self) -> Unpacked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _store(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="memd-notion-export-"))
        self._n += 1
        folder = self._tmp / f"{self._n // 1000:04d}"
        folder.mkdir(exist_ok=True)
        return folder / f"{self._n}"

    def _add(self, logical: str, path: Path) -> None:
        key = unicodedata.normalize("NFC", logical)
        if key in self.files:
            self.duplicates.append(key)  # the same file in two Part zips: the first is kept
            return
        if len(self.files) >= self.limits.max_entries:
            raise InputFormatError(f"{self.source.name}: refused, more than {self.limits.max_entries} files"
                                   " (limits: max_entries)")
        self.files[key] = path

    # -- sources ---------------------------------------------------------------------------------
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
                with p.open("rb") as fh:
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
                    with full.open("rb") as fh:
                        head = fh.read(4)
                        fh.seek(0)
                        self._load_zip(rel, fh, head, "/".join(parts[:-1]), 1, full.stat().st_size)
                else:
                    self._add(rel, full)

    def _load_zip(self, label: str, fh: io.BufferedIOBase, head: bytes, prefix: str, depth: int, cap: int) -> None:
        if depth > MAX_WRAPPERS:
            raise InputFormatError(f"{self.source.name}: refused, zips nested more than {MAX_WRAPPERS} deep")
        zf = _zipfile(label, fh, head, self.limits)
        with zf:
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
                target = self._store()
                with self._member(label, zf, info, cap) as src, target.open("wb") as out:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
                self._add(logical, target)

    def _member(self, label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> io.BufferedReader:
        member_label = f"{label}/{info.filename}"
        try:
            raw = zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
            raise InputFormatError(f"{member_label}: cannot be read ({exc})") from None
        guarded = _GuardedMember(raw, member_label, min(info.compress_size, cap), self._budget)
        return io.BufferedReader(guarded, _CHUNK)  # type: ignore[arg-type]

    def _nested(self, label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, prefix: str,
                depth: int) -> None:
        inner_label = f"{label}/{info.filename}"
        with tempfile.TemporaryFile(prefix="memd-notion-part-") as tmp:
            with self._member(label, zf, info, cap) as src:
                while chunk := src.read(_CHUNK):
                    tmp.write(chunk)
            size = tmp.tell()
            tmp.seek(0)
            head = tmp.read(4)
            tmp.seek(0)
            self._load_zip(inner_label, tmp, head, prefix, depth + 1, size)  # type: ignore[arg-type]


def unpack(path: str | os.PathLike[str], limits: Limits | None = None) -> Unpacked:
    """The export at `path`, unpacked (see the module docstring). Close it when done."""
    return Unpacked(Path(path).expanduser(), limits).load()
