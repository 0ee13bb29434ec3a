"""One daemon per vault: an flock held for the daemon's lifetime, with the holder's pid inside."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from memd.errors import DaemonError


class InstanceLock:
    """An exclusive flock on a file in the state dir.

    The kernel drops the lock when the process dies, however it dies, so a crashed daemon never
    leaves a stale lock behind. The file itself is never unlinked: removing it would let a new
    daemon lock a fresh inode while an old one still holds the unlinked one.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, wait: float = 1.0) -> None:
        """Take the lock or raise DaemonError naming the running daemon's pid.

        `wait` covers a client's brief shared-lock probe (see lock_holder) racing with a start.
        """
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC: a child the daemon execs (an LLM server, `git`) must not inherit the lock and
        # keep the vault locked after the daemon exits.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    pid = _read_pid(fd)
                    os.close(fd)
                    who = f"pid {pid}" if pid else "pid unknown"
                    raise DaemonError(
                        f"memd is already running for this vault ({who})",
                        hint=f"lock file {self.path}",
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        # Emptying the file first keeps a reader from reporting a pid that is gone.
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def lock_holder(path: Path) -> int | None:
    """The pid of the daemon holding the lock, 0 when it is held but the pid is not written yet,
    or None when nobody holds it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            # A shared lock succeeds only if no daemon holds the exclusive one.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            # The holder writes its pid right after locking; give it a moment.
            for _ in range(10):
                pid = _read_pid(fd)
                if pid:
                    return pid
                time.sleep(0.02)
            return 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
