"""SQLite connections configured the same way everywhere (WAL, busy timeout, row access by name,
files only their owner can read)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from memd.private_state import create_private


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    path = Path(path)
    if not readonly:
        # Private from the first byte: the folder 0700, the file 0600 (its -wal and -shm follow).
        if not path.parent.is_dir():
            path.parent.parent.mkdir(parents=True, exist_ok=True)
            path.parent.mkdir(mode=0o700, exist_ok=True)
        create_private(path)
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None, timeout=10)
    else:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a power cut may lose the last transactions, never corrupt the file.
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Database:
    """One connection shared by a process's threads, with a lock around each transaction.

    The daemon serves socket requests from a thread pool; SQLite connections are not safe to use
    from two threads at once, so every use goes through `tx()` or `read()`.
    """

    def __init__(self, path: Path):
        self.path = path
        self.conn = connect(path)
        self.lock = threading.RLock()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.conn

    def ensure_schema(self, name: str, version: int, sql: str, migrations: dict[int, str] | None = None) -> None:
        """Create a module's tables (modules own their tables), or migrate them from an older
        version: `migrations[v]` takes version v-1 to v. A database from a newer memd is refused."""
        from memd.errors import MemdError

        with self.tx() as c:
            c.execute("CREATE TABLE IF NOT EXISTS schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")
            row = c.execute("SELECT version FROM schema_versions WHERE name = ?", (name,)).fetchone()
            if row and row[0] == version:
                return
            if row and row[0] > version:
                raise MemdError(f"{self.path} was written by a newer memd ({name} schema {row[0]} > {version})",
                                hint="upgrade memd")
            if row is None:
                steps = [sql]
            else:
                missing = [v for v in range(row[0] + 1, version + 1) if v not in (migrations or {})]
                if missing:
                    raise MemdError(f"{self.path}: no migration for {name} schema {missing[0]}")
                steps = [(migrations or {})[v] for v in range(row[0] + 1, version + 1)]
            for script in steps:
                for stmt in script.split(";\n"):
                    if stmt.strip():
                        c.execute(stmt)
            c.execute("INSERT OR REPLACE INTO schema_versions (name, version) VALUES (?, ?)", (name, version))

    def close(self) -> None:
        with self.lock:
            self.conn.close()
