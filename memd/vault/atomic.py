"""Atomic file replacement: a kill -9 at any instant leaves the old file or the new one.

The new bytes go to a hidden temp file in the same folder (`.name.memd-XXXX.tmp`: hidden, so
Obsidian never shows it, and on the same file system, so the rename is atomic), get the
original's permission bits, are fsynced, and `os.replace` swaps them in; the folder is fsynced
so the rename itself survives a power cut.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # some file systems do not allow opening folders; nothing more we can do
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def real_target(path: Path) -> Path:
    """Write through a symlinked note to its target, so the user's link stays a link."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def atomic_write(path: Path, data: bytes, *, fsync: bool = True) -> None:
    target = real_target(path)
    folder = target.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if fsync:
            fsync_dir(folder.parent)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.memd-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if fsync:
        fsync_dir(folder)


def remove_file(path: Path, *, fsync: bool = True) -> None:
    os.unlink(path)
    if fsync:
        fsync_dir(path.parent)
