"""Clean after a crash: what a kill -9 leaves behind is put right by the next command.

Two leftovers:

* Temp files. A write killed between creating its hidden temp file and the swap leaves
  `.name.memd-XXXX.tmp` beside the note (sometimes a whole copy of memory/user.md). Every
  command that opens the vault removes those in the folders memd writes to (the memory folder
  and the transcripts folder); the daemon's reconcile scan covers the rest of the vault. Only
  names memd's writer makes (vault.ignore.is_memd_temp), only files older than a running write
  could be, and only while this process holds the write lock, so no memd process is writing.
* Transcripts the index never saw. An import writes notes first and indexes them in batches
  (or in its worker), so after a kill up to a few thousand notes are on disk and in the import
  ledger but not in the index, and `memd search` missed them until the next reindex. Before the
  first search, the ledger is compared with the index and the notes it lacks are indexed.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

from memd.index.scanner import STALE_TEMP_SECONDS
from memd.vault.ignore import is_memd_temp

log = logging.getLogger(__name__)


class _NoWait:
    """An flock taken without waiting; `held` is False when another holder has it."""

    def __init__(self, path: Path):
        self.path = path
        self.held = False
        self._fd: int | None = None

    def __enter__(self) -> "_NoWait":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.held = True
        except OSError:  # held elsewhere (EWOULDBLOCK), or not lockable here: leave things be
            self.held = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            if self.held:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)


def _stale_temps(folder: Path, older_than: float, now: float) -> list[Path]:
    """memd temp files under `folder` (not inside dot-folders, symlinks not followed) whose
    last change is older than `older_than` seconds."""
    found: list[Path] = []
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("."):
                        stack.append(Path(entry.path))
                    continue
                if not is_memd_temp(entry.name):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            # (A temp holding the old file after a swap keeps that file's mtime; it is live only
            # while its writer holds the write lock, and this runs only while nobody does.)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than:
                found.append(Path(entry.path))
    return found


def remove_stale_temps(vault: Path, folders: list[str], write_lock: Path, *,
                       older_than: float = STALE_TEMP_SECONDS) -> list[str]:
    """Remove memd's stale temp files under the vault-relative `folders`; the vault-relative
    paths removed. Nothing is removed while another process (or thread) holds `write_lock`."""
    removed: list[str] = []
    with _NoWait(write_lock) as lock:
        if not lock.held:
            return removed
        now = time.time()
        seen: set[Path] = set()
        for rel in folders:
            root = vault / rel if rel.strip("/.") else vault
            if root in seen or not root.is_dir():
                continue
            seen.add(root)
            for path in _stale_temps(root, older_than, now):
                try:
                    os.unlink(path)
                except OSError:
                    continue
                removed.append(path.relative_to(vault).as_posix())
    if removed:
        log.info("removed %d temp file(s) left by an interrupted write: %s", len(removed), ", ".join(removed[:5]))
    return removed


def ledger_paths_to_index(state: Any, index: Any) -> list[str]:
    """Transcript notes in the import ledger that the index lacks, or holds an older version
    of (its row's size or mtime differ from the file's, and its hash from what memd wrote)."""
    with state.read() as c:
        if c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'import_ledger'").fetchone() is None:
            return []
        ledger = {row[0]: row[1] for row in c.execute("SELECT path, written_hash FROM import_ledger")}
    if not ledger:
        return []
    # Transcripts live under the sources folder: read only those rows, not the whole vault's.
    lo = index.sources_prefix
    with index.db.read() as c:
        rows = {r[0]: (r[1], r[2], r[3]) for r in c.execute(
            "SELECT path, hash, size, mtime_ns FROM notes WHERE path >= ? AND path < ?", (lo, lo + "\U0010ffff"))}
    vault = index.vault
    todo = []
    for path, written in ledger.items():
        row = rows.get(path)
        if row is not None and (written is None or row[0] == written):
            continue  # indexed as memd wrote it (a later hand edit is the watcher's or the scan's)
        try:
            st = os.stat(vault / path)
        except OSError:
            continue  # never written (a pending entry), or gone: nothing to add
        if row is None or (row[1], row[2]) != (st.st_size, st.st_mtime_ns):
            todo.append(path)
    return sorted(todo)


def catch_up_index(state: Any, index: Any, import_lock: Path) -> int:
    """Index the transcripts an interrupted import wrote but never indexed; how many. -1 when
    it could not look (an import is running, and indexes its own notes): try again later."""
    with _NoWait(import_lock) as lock:
        if not lock.held:
            return -1
        paths = ledger_paths_to_index(state, index)
        if not paths:
            return 0
        t0 = time.perf_counter()
        try:
            index.index_paths(paths)
        except sqlite3.Error as exc:  # another process indexing the same notes: its rows stand
            log.warning("could not index %d transcript note(s) an import left unindexed: %s", len(paths), exc)
            return -1
        log.info("indexed %d transcript note(s) an interrupted import left unindexed (%.2fs)",
                 len(paths), time.perf_counter() - t0)
        return len(paths)
