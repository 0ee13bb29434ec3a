"""Path-safe reads of the memory folder for the ask agent's tools.

The model names files with strings it wrote; nothing it names may lead outside the memory
folder. A path is accepted only if, normalised, it stays below the folder, has no dot-named
component (.obsidian, .git, memd's temp files), no control characters and no component over
255 bytes. Reads then walk the path one component at a time from an open descriptor of the
folder with O_NOFOLLOW (openat-style), so a symlink anywhere on the way — planted before or
swapped in after the check — fails the open instead of being followed; the file read must be
a regular file with one link (a hard link could be a second name of a file outside). Checks
by string prefix are never used: `/memory-evil` starts with `/memory`.
"""

from __future__ import annotations

import os
import posixpath
import stat
from dataclasses import dataclass

MAX_PATH_CHARS = 1024
MAX_NAME_BYTES = 255
MAX_READ_BYTES = 1 << 20  # one memory file; mem-agent files are a few KB
MAX_LIST_ENTRIES = 2000


class PathRefused(Exception):
    """A path the tools will not touch; the message is shown to the model."""


@dataclass(frozen=True)
class Entry:
    rel: str
    is_dir: bool
    size: int


class MemoryFS:
    def __init__(self, root: str | os.PathLike[str], hidden: frozenset[str] = frozenset()):
        # The boundary is the folder's real path: a memory folder that is itself a symlink
        # (the user's choice) is fine, links below it are not.
        self.root = os.path.realpath(os.fspath(root))
        # Folder-relative files in the folder that are not memory (memd's review note).
        self.hidden = frozenset(h.casefold() for h in hidden)

    # -- names -------------------------------------------------------------------------------
    def rel(self, path: object, *, allow_root: bool = False) -> str:
        """`path` as a clean folder-relative path, or PathRefused."""
        if not isinstance(path, str):
            raise PathRefused(f"a path must be a string, not {type(path).__name__}")
        text = path.strip()
        if len(text) > MAX_PATH_CHARS:
            raise PathRefused("path too long")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise PathRefused("path contains control characters")
        text = text.replace("\\", "/")
        if text.startswith("/"):
            # An absolute path is accepted only when it names something inside the folder
            # (a model may echo the folder's absolute path); compared by common path.
            norm_abs = posixpath.normpath(text)
            if os.path.commonpath([self.root, norm_abs]) != self.root:
                raise PathRefused(f"outside the memory folder: {path}")
            text = posixpath.relpath(norm_abs, self.root)
        norm = posixpath.normpath(text) if text else "."
        if norm == ".":
            if allow_root:
                return "."
            raise PathRefused("a file path is required")
        if norm == ".." or norm.startswith("../"):
            raise PathRefused(f"outside the memory folder: {path}")
        for part in norm.split("/"):
            if part.startswith("."):
                raise PathRefused(f"hidden names are not part of memory: {path}")
            if len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
                raise PathRefused("a path component is longer than 255 bytes")
        if os.path.commonpath([self.root, os.path.join(self.root, norm)]) != self.root:
            raise PathRefused(f"outside the memory folder: {path}")
        if norm.casefold() in self.hidden:
            raise PathRefused(f"not part of memory: {path}")
        return norm

    # -- walking -----------------------------------------------------------------------------
    def _open_dir(self, rel: str) -> int:
        """A descriptor of folder `rel`, reached without following any symlink."""
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        if rel == ".":
            return fd
        try:
            for part in rel.split("/"):
                nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = nfd
        except BaseException:
            os.close(fd)
            raise
        return fd

    def lstat(self, rel: str) -> os.stat_result | None:
        """stat of `rel` without following links on the way or at the end; None if missing.
        A symlink on the way counts as missing (it is not part of memory)."""
        parent, name = posixpath.split(rel)
        try:
            dfd = self._open_dir(parent or ".")
        except (FileNotFoundError, NotADirectoryError, OSError):
            return None
        try:
            return os.stat(name, dir_fd=dfd, follow_symlinks=False) if name else os.fstat(dfd)
        except OSError:
            return None
        finally:
            os.close(dfd)

    def kind(self, rel: str) -> str | None:
        """'file', 'dir', 'link' (refused), 'other', or None when absent."""
        st = self.lstat(rel)
        if st is None:
            return None
        if stat.S_ISLNK(st.st_mode):
            return "link"
        if stat.S_ISDIR(st.st_mode):
            return "dir"
        if stat.S_ISREG(st.st_mode):
            return "file"
        return "other"

    def check_writable(self, rel: str) -> None:
        """Refuse a write target that is a link, a hard-linked file or not a file; and any
        symlink among its existing parent folders (the writer would follow it)."""
        parts = rel.split("/")
        for i in range(1, len(parts)):
            k = self.kind("/".join(parts[:i]))
            if k is None:
                break  # the rest will be created below a real folder
            if k != "dir":
                raise PathRefused(f"{'/'.join(parts[:i])} is not a folder of memory")
        st = self.lstat(rel)
        if st is None:
            return
        if not stat.S_ISREG(st.st_mode):
            raise PathRefused(f"{rel} is not a regular file")
        if st.st_nlink != 1:
            raise PathRefused(f"{rel} has other hard links; memd will not write through it")

    def read_bytes(self, rel: str, limit: int = MAX_READ_BYTES) -> bytes:
        parent, name = posixpath.split(rel)
        dfd = self._open_dir(parent or ".")
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dfd)
        finally:
            os.close(dfd)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise PathRefused(f"{rel} is not a regular file")
            if st.st_nlink != 1:
                raise PathRefused(f"{rel} has other hard links; not read")
            if st.st_size > limit:
                raise PathRefused(f"{rel} is {st.st_size} bytes; the limit is {limit}")
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(fd, min(65536, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if total > limit:
                raise PathRefused(f"{rel} grew past {limit} bytes while read")
            return b"".join(chunks)
        finally:
            os.close(fd)

    def read_text(self, rel: str) -> str:
        return self.read_bytes(rel).decode("utf-8", "replace")

    def walk(self, rel: str = ".") -> list[Entry]:
        """Every visible file and folder below `rel`, depth first, links skipped, capped."""
        out: list[Entry] = []

        def visit(folder: str) -> None:
            try:
                dfd = self._open_dir(folder)
            except OSError:
                return
            try:
                names = sorted(os.listdir(dfd))
                for name in names:
                    if len(out) >= MAX_LIST_ENTRIES:
                        return
                    if name.startswith(".") or name == "__pycache__":
                        continue
                    try:
                        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
                    except OSError:
                        continue
                    child = name if folder == "." else f"{folder}/{name}"
                    if child.casefold() in self.hidden:
                        continue
                    if stat.S_ISDIR(st.st_mode):
                        out.append(Entry(child, True, 0))
                        visit(child)
                    elif stat.S_ISREG(st.st_mode):
                        out.append(Entry(child, False, st.st_size))
            finally:
                os.close(dfd)

        visit(rel)
        return out
