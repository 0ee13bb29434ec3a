"""Atomic file replacement: a kill -9 at any instant leaves the old file or the new one, and a
person's save that lands while memd writes is never overwritten.

The new bytes go to a hidden temp file in the same folder (`.name.memd-XXXX.tmp`: hidden, so
Obsidian never shows it, and on the same file system, so the swap is atomic), get the
original's permission bits and are fsynced: every slow step comes first. Then, when the caller
says what the file must still hold (`expected`, the bytes it planned against):

* swap and verify (swap.exchange): the new file and the old one trade names atomically, so the
  old file is not destroyed but sits under the temp name. Its bytes are compared with
  `expected`; a difference means a person saved in between (by rename or in place), and the
  two are swapped back, so their save is what the path holds (`HandSave`: the caller re-plans).
  An editor may also have opened the old file just before the swap and write into it just
  after. On Linux a read lease, held from before the exchange, freezes the old file: an editor
  opening it to save waits inside open() and shows as a lease break, and the old file goes
  back in place before it may write. Then, and elsewhere instead, the old file is kept until
  nobody holds it open for writing (or it has been quiet a moment), and compared again.
* fallback (no exchange call, or a file system that refuses it): compare the file's bytes with
  `expected` right before `os.replace`. The window is then a few microseconds, not zero;
  `memd doctor` says which mode is in use.

The folder is fsynced so the rename itself survives a power cut. `expected=ANY` is the plain
atomic replace, for files no person edits (config, exports).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from memd.vault import swap


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


ANY: Any = object()  # `expected` when the caller does not care what the file holds

BUSY_WAIT_S = 0.5  # how long an editor may hold a file open for writing before memd backs off
QUIET_S = 0.03  # without leases: how long the old file must stay unchanged before it is let go
LEASE_SETTLE_S = 0.001  # with a lease: time for an open() already under way to reach it


class HandSave(Exception):
    """The file no longer held what the write was planned against: a person saved it meanwhile.

    Their bytes are what the path holds now (memd's were swapped back out, or never went in);
    the caller re-reads and re-plans. `busy`: an editor kept the file open for writing."""

    def __init__(self, reason: str, *, busy: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.busy = busy


def mode() -> str:
    """"exchange" or "replace": what a write here does when the platform allows it (see doctor)."""
    return "exchange" if swap.available() else "replace"


def _read_fd(fd: int) -> bytes:
    chunks, offset = [], 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def read_quiet(path: Path) -> bytes:
    """The file's bytes, read once no process holds it open for writing (an editor that
    truncates and writes in place is waited for, up to BUSY_WAIT_S), so a plan is not made on
    a half-written file. Where leases are unavailable this is a plain read; the swap's verify
    catches the rest."""
    fd = os.open(path, os.O_RDONLY)
    try:
        _wait_for_writers(fd)
        return _read_fd(fd)
    finally:
        os.close(fd)


def _wait_for_writers(fd: int) -> bool | None:
    """Wait (up to BUSY_WAIT_S) until no process holds the file open for writing. The last
    answer: True if one still does, False if none does, None if this system cannot tell."""
    deadline = time.monotonic() + BUSY_WAIT_S
    writing = swap.writers_present(fd)
    while writing and time.monotonic() < deadline:
        time.sleep(0.002)
        writing = swap.writers_present(fd)
    return writing


def _write_temp(target: Path, data: bytes, mode_bits: int, fsync: bool) -> tuple[str, int]:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.memd-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode_bits)
            if fsync:
                os.fsync(fh.fileno())
            ino = os.fstat(fh.fileno()).st_ino
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp, ino


def _unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _unlink_if(path: str | Path, ino: int) -> None:
    """Remove `path` only if it is still the file with inode `ino` (never someone else's)."""
    try:
        if os.lstat(path).st_ino == ino:
            os.unlink(path)
    except FileNotFoundError:
        pass


def atomic_write(path: Path, data: bytes, *, fsync: bool = True, expected: Any = ANY, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically. With `expected` (bytes, or None for "must not
    exist"), only if the file still holds exactly that; otherwise HandSave, the file untouched.
    `mode`: the new file's permission bits (default: the old file's, else the umask's)."""
    target = real_target(path)
    folder = target.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if fsync:
            fsync_dir(folder.parent)
    try:
        mode_bits = stat.S_IMODE(os.stat(target).st_mode) if mode is None else mode
    except FileNotFoundError:
        mode_bits = 0o666 & ~_UMASK
    tmp, new_ino = _write_temp(target, data, mode_bits, fsync)
    try:
        if expected is ANY:
            os.replace(tmp, target)
        else:
            try:
                _swap_in(Path(tmp), target, expected, data, new_ino, mode_bits, fsync)
            except swap.Unsupported:
                _check_then_replace(tmp, target, expected)
    except BaseException:
        _unlink_if(tmp, new_ino)  # only our own new file; a person's bytes are never removed here
        raise
    if fsync:
        fsync_dir(folder)


def _check_then_replace(tmp: str, target: Path, expected: bytes | None) -> None:
    """The fallback: the narrowest check we can make without an exchange call."""
    try:
        current: bytes | None = read_quiet(target)
    except FileNotFoundError:
        current = None
    if current != expected:
        raise HandSave("the file changed since it was read")
    if expected is None:
        try:
            os.link(tmp, target)  # fails if someone created the file meanwhile
        except FileExistsError:
            raise HandSave("the file was created meanwhile") from None
        except OSError:
            os.replace(tmp, target)  # a file system without hard links
        else:
            os.unlink(tmp)
        return
    os.replace(tmp, target)


def _swap_in(tmp: Path, target: Path, expected: bytes | None, ours: bytes, new_ino: int, mode_bits: int,
             fsync: bool) -> None:
    if expected is None:
        try:
            swap.rename_noreplace(tmp, target)
        except FileExistsError:
            raise HandSave("the file was created meanwhile") from None
        return
    try:
        old_fd = os.open(target, os.O_RDONLY)  # held, so the old file stays readable whatever happens to names
    except FileNotFoundError:
        raise HandSave("the file was removed meanwhile") from None
    try:
        # The fallback's check first: a save that is already there is seen without ever
        # showing memd's version at the path.
        before = swap.fd_identity(old_fd)
        if before[1] != len(expected) or _read_fd(old_fd) != expected:
            raise HandSave("the file changed since it was read")
        # A read lease freezes the old file: granted only while nobody has it open for writing,
        # and an editor that opens it to save from now on is held up in its open() (swap.py).
        leased = swap.take_lease(old_fd)
        if leased is False:
            if _wait_for_writers(old_fd):
                raise HandSave("an editor holds the file open for writing", busy=True)
            raise HandSave("an editor was writing the file")  # re-read what it wrote
        try:
            _exchange_checked(tmp, target, old_fd, before, expected, ours, new_ino, mode_bits, fsync)
            if leased:
                # An editor whose open() found the old file just before the exchange is now
                # waiting on the lease: give such an open a moment to arrive, and if one did,
                # put the old file back first, so its save lands in the file at the path.
                time.sleep(LEASE_SETTLE_S)
                if swap.lease_broken(old_fd):
                    _restore(tmp, target, old_fd, new_ino, ours, mode_bits, fsync)
                    raise HandSave("an editor started saving just as memd replaced the file")
        finally:
            if leased:
                swap.drop_lease(old_fd)
        _verify_old(tmp, target, old_fd, expected, ours, new_ino, mode_bits, fsync)
    finally:
        os.close(old_fd)


def _exchange_checked(tmp: Path, target: Path, old_fd: int, before: tuple[int, int, int, int], expected: bytes,
                      ours: bytes, new_ino: int, mode_bits: int, fsync: bool) -> None:
    """Stat, exchange, look at what came out, swap back if it was not what the plan was made
    on: one run of GIL-holding calls (swap.py), so memd's version stands at the path for
    microseconds when a save did land in between."""
    if swap.identity(target) != before:  # another file, size or time: a save since the read
        raise HandSave("the file changed since it was read")
    swap.exchange(tmp, target)
    try:
        out = swap.identity(tmp)
    except FileNotFoundError:
        out = None
    if out is None or out[0] != before[0]:
        # A save by rename landed between the stat and the exchange: that file goes straight back.
        _restore(tmp, target, old_fd, new_ino, ours, mode_bits, fsync)
        raise HandSave("a save landed while memd was writing")
    seen = swap.read_fd(old_fd, len(expected))
    if seen is None:
        seen = _read_fd(old_fd)
    if seen != expected:
        _restore(tmp, target, old_fd, new_ino, ours, mode_bits, fsync)
        raise HandSave("a save landed while memd was writing")


def _verify_old(tmp: Path, target: Path, old_fd: int, expected: bytes, ours: bytes, new_ino: int,
                mode_bits: int, fsync: bool) -> None:
    """After the exchange: was what we replaced what we planned against, and is nobody still
    writing into it? If either fails, the person's file goes back in place (HandSave)."""
    old_ino = os.fstat(old_fd).st_ino
    deadline = time.monotonic() + BUSY_WAIT_S
    writing = _wait_for_writers(old_fd)
    if writing:
        _restore(tmp, target, old_fd, new_ino, ours, mode_bits, fsync)
        raise HandSave("an editor holds the file open for writing", busy=True)
    if writing is None:
        # No way to ask: wait until the old file has been still for QUIET_S.
        last = os.fstat(old_fd)
        while True:
            time.sleep(QUIET_S)
            now = os.fstat(old_fd)
            if (now.st_size, now.st_mtime_ns) == (last.st_size, last.st_mtime_ns) or time.monotonic() > deadline:
                break
            last = now
    if _read_fd(old_fd) != expected:
        _restore(tmp, target, old_fd, new_ino, ours, mode_bits, fsync)
        raise HandSave("a save was written into the file just as memd replaced it")
    _unlink_if(tmp, old_ino)


def _restore(tmp: Path, target: Path, old_fd: int, new_ino: int, ours: bytes, mode_bits: int,
             fsync: bool) -> None:
    """Put the person's file (the one the exchange moved to `tmp`) back at `target`."""
    try:
        swap.exchange(tmp, target)
    except FileNotFoundError:
        # Its name is gone (a cleanup took it): write the bytes `old_fd` holds back as a new file.
        again, again_ino = _write_temp(target, _read_fd(old_fd), mode_bits, fsync)
        try:
            swap.exchange(Path(again), target)
        except BaseException:
            _unlink_if(again, again_ino)
            raise
        tmp = Path(again)
    # `tmp` should now hold memd's file, as memd wrote it. If another save replaced it at the
    # path, or an editor wrote into it, while it stood there, that save is the newest: it goes
    # back in place, and the older one just restored is dropped.
    try:
        newest = os.lstat(tmp).st_ino != new_ino or _written_into(tmp, ours)
        if newest:
            swap.exchange(tmp, target)
        if os.lstat(tmp).st_ino != new_ino or not newest:
            os.unlink(tmp)
    except FileNotFoundError:
        pass
    if fsync:
        fsync_dir(target.parent)


def _written_into(path: Path, data: bytes) -> bool:
    """Whether the file no longer holds `data` (an editor wrote into it), once nobody writes it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        _wait_for_writers(fd)
        return _read_fd(fd) != data
    finally:
        os.close(fd)


def remove_file(path: Path, *, fsync: bool = True, expected: Any = ANY) -> None:
    """Delete `path`; with `expected`, only if it still holds exactly those bytes (else HandSave)."""
    path = Path(path)
    if expected is ANY:
        os.unlink(path)
    else:
        try:
            _move_aside_and_remove(path, expected)
        except swap.Unsupported:
            try:
                current = read_quiet(path)
            except FileNotFoundError:
                current = None
            if current != expected:
                raise HandSave("the file changed since it was read") from None
            os.unlink(path)
    if fsync:
        fsync_dir(path.parent)


def _move_aside_and_remove(path: Path, expected: bytes) -> None:
    """Rename the file to a temp name first, so what is deleted is exactly what was checked."""
    aside = path.parent / f".{path.name}.memd-{os.urandom(6).hex()}.tmp"
    try:
        swap.rename_noreplace(path, aside)
    except FileNotFoundError:
        raise HandSave("the file was removed meanwhile") from None
    fd = os.open(aside, os.O_RDONLY)
    try:
        _wait_for_writers(fd)
        if _read_fd(fd) == expected:
            os.unlink(aside)
            return
        try:
            swap.rename_noreplace(aside, path)
        except FileExistsError:
            os.unlink(aside)  # a newer save already holds the name; the one moved aside is older
        raise HandSave("the file changed since it was read")
    finally:
        os.close(fd)
