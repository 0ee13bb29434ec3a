"""One import at a time on a vault: every importer (conversations, Notion, mem-agent) takes the
same lock file in the state folder, so two never interleave their writes and ledger rows. A dry
run writes nothing and takes no lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from memd.errors import MemdError

BUSY = "another import is running on this vault; wait for it to finish (memd import status)"


@contextmanager
def import_lock(state_dir: Path, *, dry_run: bool = False, error: type[MemdError] = MemdError) -> Iterator[None]:
    """Hold the vault's import lock, or raise `error` at once when another import holds it."""
    if dry_run:
        yield
        return
    lock_path = state_dir / "import.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise error(BUSY) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
