"""The kernel calls that let the writer replace a file without a window for a hand save to vanish.

`exchange(a, b)` swaps two names atomically (Linux `renameat2(RENAME_EXCHANGE)`, macOS
`renamex_np(RENAME_SWAP)`): the old file is not gone after the swap, it sits under the temp
name, so the writer can look at what it actually replaced and swap back if that was a person's
save. `rename_noreplace` creates a file only if the name is still free (`RENAME_NOREPLACE`,
`RENAME_EXCL`). `writers_present(fd)` asks Linux whether any process holds the file open for
writing (a read lease is refused while one does), which tells "an editor is still writing into
the old file" from "nothing more can land there" without guessing with timers.

Where a call is missing, or the file system refuses it (EINVAL, ENOSYS, ENOTSUP: some FUSE and
network file systems), the caller falls back (`Unsupported`). `MEMD_SWAP=replace` in the
environment, or `FORCE_REPLACE = True`, forces the fallback (tests, and a way out if a file
system misbehaves).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import platform
import signal
import sys
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

AT_FDCWD = -100
RENAME_NOREPLACE = 1  # Linux
RENAME_EXCHANGE = 2  # Linux
RENAME_SWAP = 0x2  # macOS renamex_np
RENAME_EXCL = 0x4  # macOS renamex_np

# renameat2's syscall number, for a libc too old to wrap it (glibc < 2.28, some musl builds).
_SYSCALL_RENAMEAT2 = {"x86_64": 316, "amd64": 316, "aarch64": 276, "arm64": 276, "riscv64": 276,
                      "i386": 353, "i686": 353, "armv7l": 382, "ppc64le": 357, "s390x": 347}
_REFUSED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}

FORCE_REPLACE = os.environ.get("MEMD_SWAP", "").strip().lower() == "replace"


class Unsupported(OSError):
    """This platform or file system cannot exchange or no-replace-rename: use the fallback."""


# libc through PyDLL: its calls keep the GIL. The exchange, the stat before it and the read
# after it are each a few microseconds; holding the GIL across them means no other thread of
# this process (indexer, watcher, RPC) runs in between, so the moment memd's version is at the
# path before a swap back stays as short as the kernel allows.
_LIBC = ctypes.PyDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _load() -> tuple[str, object | None]:
    libc = _LIBC
    if sys.platform.startswith("linux"):
        fn = getattr(libc, "renameat2", None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            fn.restype = ctypes.c_int
            return "renameat2", fn
        number = _SYSCALL_RENAMEAT2.get(platform.machine().lower())
        if number is not None:
            syscall = libc.syscall
            syscall.restype = ctypes.c_long

            def via_syscall(olddir: int, old: bytes, newdir: int, new: bytes, flags: int) -> int:
                return int(syscall(ctypes.c_long(number), ctypes.c_int(olddir), ctypes.c_char_p(old),
                                   ctypes.c_int(newdir), ctypes.c_char_p(new), ctypes.c_uint(flags)))
            return "renameat2 (syscall)", via_syscall
    elif sys.platform == "darwin":
        fn = getattr(libc, "renamex_np", None)
        if fn is not None:
            fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
            fn.restype = ctypes.c_int
            return "renamex_np", fn
    return "", None


try:
    CALL_NAME, _CALL = _load()
except OSError:  # no loadable libc (a static or unusual runtime): the fallback still works
    CALL_NAME, _CALL = "", None


class _StatxTime(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_int64), ("nsec", ctypes.c_uint32), ("_r", ctypes.c_int32)]


class _Statx(ctypes.Structure):  # struct statx: the same layout on every Linux architecture
    _fields_ = [("mask", ctypes.c_uint32), ("blksize", ctypes.c_uint32), ("attributes", ctypes.c_uint64),
                ("nlink", ctypes.c_uint32), ("uid", ctypes.c_uint32), ("gid", ctypes.c_uint32),
                ("mode", ctypes.c_uint16), ("_s0", ctypes.c_uint16), ("ino", ctypes.c_uint64),
                ("size", ctypes.c_uint64), ("blocks", ctypes.c_uint64), ("attributes_mask", ctypes.c_uint64),
                ("atime", _StatxTime), ("btime", _StatxTime), ("ctime", _StatxTime), ("mtime", _StatxTime),
                ("_rest", ctypes.c_uint8 * 144)]


_statx = getattr(_LIBC, "statx", None) if sys.platform.startswith("linux") else None
if _statx is not None:
    _statx.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_Statx)]
    _statx.restype = ctypes.c_int
_pread = getattr(_LIBC, "pread", None)
if _pread is not None:
    _pread.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64]
    _pread.restype = ctypes.c_ssize_t


def identity(path: Path) -> tuple[int, int, int, int]:
    """(inode, size, mtime ns, ctime ns) of `path`, without letting other threads run."""
    if _statx is not None:
        buf = _Statx()
        if _statx(AT_FDCWD, os.fsencode(path), 0, 0x7FF, ctypes.byref(buf)) == 0:
            return (buf.ino, buf.size, buf.mtime.sec * 10**9 + buf.mtime.nsec,
                    buf.ctime.sec * 10**9 + buf.ctime.nsec)
        err = ctypes.get_errno()
        if err == errno.ENOENT:
            raise FileNotFoundError(err, os.strerror(err), str(path))
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def fd_identity(fd: int) -> tuple[int, int, int, int]:
    st = os.fstat(fd)
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def read_fd(fd: int, limit: int) -> bytes | None:
    """Up to `limit` + 1 bytes of the open file from its start, without letting other threads
    run (None where pread is unavailable: the caller reads the usual way)."""
    if _pread is None:
        return None
    buf = ctypes.create_string_buffer(limit + 1)
    got = _pread(fd, buf, limit + 1, 0)
    if got < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return buf.raw[:got]

_refused_devices: set[int] = set()  # file systems that refused once: not asked again


def available() -> bool:
    return _CALL is not None and not FORCE_REPLACE


def _rename(src: Path, dst: Path, linux_flag: int, mac_flag: int) -> None:
    if not available():
        raise Unsupported(errno.ENOSYS, "no atomic exchange here")
    try:
        dev = os.stat(Path(src).parent).st_dev
    except OSError:
        dev = -1
    if dev in _refused_devices:
        raise Unsupported(errno.EINVAL, "this file system refused an atomic exchange before")
    a, b = os.fsencode(src), os.fsencode(dst)
    if sys.platform == "darwin":
        rc = _CALL(a, b, mac_flag)  # type: ignore[operator]
    else:
        rc = _CALL(AT_FDCWD, a, AT_FDCWD, b, linux_flag)  # type: ignore[operator]
    if rc == 0:
        return
    err = ctypes.get_errno()
    if err in _REFUSED:
        _refused_devices.add(dev)
        raise Unsupported(err, os.strerror(err))
    raise OSError(err, os.strerror(err), str(dst))


def exchange(a: Path, b: Path) -> None:
    """Swap the two names atomically; both must exist."""
    _rename(a, b, RENAME_EXCHANGE, RENAME_SWAP)


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename, failing with FileExistsError if `dst` exists (someone created it meanwhile)."""
    try:
        _rename(src, dst, RENAME_NOREPLACE, RENAME_EXCL)
    except Unsupported:
        raise
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise FileExistsError(errno.EEXIST, "exists", str(dst)) from None
        raise


def mode_in(folder: Path) -> tuple[str, str]:
    """("exchange" | "replace", one line saying why) for writes into `folder`, by trying it."""
    if FORCE_REPLACE:
        return "replace", "the fallback is forced (MEMD_SWAP=replace)"
    if _CALL is None:
        return "replace", f"no atomic exchange call on {sys.platform}"
    import tempfile
    a = b = None
    try:
        fa, a = tempfile.mkstemp(prefix=".memd-probe.memd-", suffix=".tmp", dir=folder)
        fb, b = tempfile.mkstemp(prefix=".memd-probe.memd-", suffix=".tmp", dir=folder)
        os.close(fa)
        os.close(fb)
        exchange(Path(a), Path(b))
    except Unsupported as exc:
        return "replace", f"the file system refuses {CALL_NAME}: {exc.strerror}"
    except OSError as exc:
        return "replace", f"cannot try {CALL_NAME} in {folder}: {exc.strerror or exc}"
    finally:
        for p in (a, b):
            if p:
                try:
                    os.unlink(p)
                except OSError:
                    pass
    leases = "writers detected by leases" if lease_supported(folder) else "writers detected by waiting for quiet"
    return "exchange", f"{CALL_NAME} swap-and-verify ({leases})"


# -- is anyone still writing into this file? ------------------------------------------------------

_F_SETLEASE = getattr(fcntl, "F_SETLEASE", None) if fcntl else None
_F_SETSIG = getattr(fcntl, "F_SETSIG", None) if fcntl else None
_F_GETLEASE = getattr(fcntl, "F_GETLEASE", None) if fcntl else None
_leases_refused: set[int] = set()


def take_lease(fd: int) -> bool | None:
    """Take a read lease on the file open (read-only) at `fd`: True when held, False if some
    process has the file open for writing (a lease is then refused), None if this system cannot
    lease (macOS, NFS, a file owned by someone else).

    While memd holds it, another process that opens the file for writing is held up inside its
    open() until memd drops the lease, and the lease shows a pending break (`lease_broken`):
    the way to see an editor starting to save into a file memd is about to let go of. Its break
    signal is SIGURG, ignored by default, so the break costs this process nothing."""
    if _F_SETLEASE is None or FORCE_REPLACE:
        return None
    try:
        dev = os.fstat(fd).st_dev
    except OSError:
        return None
    if dev in _leases_refused:
        return None
    try:
        if _F_SETSIG is not None:
            fcntl.fcntl(fd, _F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EBUSY):
            return False
        if exc.errno not in (errno.EACCES, errno.EPERM):  # those are about this file, not the file system
            _leases_refused.add(dev)
        return None
    return True


def lease_broken(fd: int) -> bool:
    """Whether a process is waiting to open the leased file for writing."""
    try:
        return fcntl.fcntl(fd, _F_GETLEASE) != fcntl.F_RDLCK
    except OSError:
        return True


def drop_lease(fd: int) -> None:
    try:
        fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_UNLCK)
    except OSError:
        pass


def writers_present(fd: int) -> bool | None:
    """True if some process has the file open for writing, False if none does, None if this
    system cannot tell. (A read lease, taken and dropped at once.)"""
    held = take_lease(fd)
    if held:
        drop_lease(fd)
    return None if held is None else not held


def lease_supported(folder: Path) -> bool:
    """Whether `writers_present` can answer for files in `folder` (probed on a temp file)."""
    import tempfile
    try:
        fd, path = tempfile.mkstemp(prefix=".memd-probe.memd-", suffix=".tmp", dir=folder)
    except OSError:
        return False
    os.close(fd)
    try:
        rfd = os.open(path, os.O_RDONLY)
        try:
            return writers_present(rfd) is not None
        finally:
            os.close(rfd)
    except OSError:
        return False
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
