"""The vault index: notes, FTS5 chunks, facts and the link graph, in a rebuildable SQLite file.

This module is the Index object: its connections, link resolution by name, the queries the rest
of memd asks (notes, links, facts, stats), and emptying and compacting the file. Bringing it in
line with the vault is memd.index.scan; reading a note, memd.index.parse and memd.index.prepare;
writing rows, memd.index.writer; the tables, memd.index.schema; search, memd.index.search.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

from memd.config import Config
from memd.db import connect
from memd.index import schema
from memd.index.report import ScanReport
from memd.index.result_cache import SearchCache
from memd.index.scan import Scanning
from memd.index.search import search as fts_search
from memd.vault.ignore import is_markdown
from memd.vault.links import NameTable

__all__ = ["Index", "ScanReport"]


class Index(Scanning):
    @property
    def exclude(self) -> list[str]:
        """The globs no note is indexed under: index.exclude, read now (it may change), and memd's own skips."""
        return [*self.config.index.exclude, *self._skip]

    def __init__(self, config: Config, *, on_memory_note: Callable[[str, str], None] | None = None,
                 skip: tuple[str, ...] = ()):
        self.config = config
        self.vault = config.vault
        self.memory_prefix = config.memory.dir.strip("/") + "/"
        self.sources_prefix = config.memory.sources_dir.strip("/") + "/"
        self.on_memory_note = on_memory_note
        self.db = schema.open_index_db(config.index_db)
        self._names: NameTable | None = None
        self._readers = threading.local()
        self.search_cache = SearchCache(self.db.path)
        self._max_bytes = int(config.index.max_note_mb * 1024 * 1024)
        self._optimize_after_scan = False  # set by reset(): the rebuild's scan ends with optimize()
        self._skip = tuple(skip)  # paths memd keeps out besides index.exclude (its review note)
        with self.db.read() as c:
            interrupted = c.execute("SELECT value FROM meta WHERE key = 'bulk_incomplete'").fetchone()
        if interrupted and not _alive(interrupted[0]):
            self.reset()  # a first index was interrupted before its links were stored: start again

    # -- connections ---------------------------------------------------------------------------
    def reader(self) -> sqlite3.Connection:
        """A per-thread read connection: searches from many threads run side by side (WAL)."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = connect(self.db.path)
            conn.execute("PRAGMA query_only = ON")
            # One reader per daemon thread: a small page cache each (the OS caches the file too).
            conn.execute("PRAGMA cache_size = -1024")
            self._readers.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._readers, "conn", None)
        if conn is not None:
            conn.close()
            self._readers.conn = None
        self.search_cache.close()
        self.db.close()

    def search(self, query: str, *, limit: int = 10, kind: str | None = None,
               path_prefix: str | None = None, group: bool = False, period: str | None = None) -> list[dict[str, Any]]:
        """Full-text search (memd.index.search), answered from the cache while the index is unchanged."""
        return self.search_cache.get_or_run(
            (query, limit, kind, path_prefix, group, period),
            lambda version: fts_search(self.reader(), query, limit=limit, kind=kind, path_prefix=path_prefix,
                                       group=group, period=period, counts=self.search_cache.counts(version)),
            with_version=True)

    # -- names ---------------------------------------------------------------------------------
    def names(self) -> NameTable:
        # Built and kept under the database lock: a first index resetting it when it ends can
        # never be overtaken by a table built from the notes it had stored so far.
        with self.db.lock:
            if self._names is None:
                table = NameTable()
                with self.db.read() as c:
                    for path, title, aliases in c.execute("SELECT path, title, aliases FROM notes"):
                        table.add(path, title, json.loads(aliases))
                self._names = table
            return self._names

    def resolve(self, target: str, source_path: str | None = None, *, markdown: bool = False) -> str | None:
        with self.db.lock:  # the name table changes while a scan runs in another thread
            return self._resolve(target, source_path, markdown)

    def _resolve(self, target: str, source_path: str | None, markdown: bool) -> str | None:
        names = self.names()
        if markdown and not target.startswith(("/", "./", "../")):
            # Markdown links are relative to the linking note's folder first.
            found = names.resolve("./" + target, source_path)
            if found:
                return found
        return names.resolve(target, source_path)

    def kind_of(self, path: str) -> str:
        if not is_markdown(path):
            return "attachment"
        if path.startswith(self.memory_prefix):
            return "memory"
        if path.startswith(self.sources_prefix):
            return "source"
        return "note"

    # -- queries -------------------------------------------------------------------------------
    def note(self, path: str) -> dict[str, Any] | None:
        r = self.reader().execute("SELECT * FROM notes WHERE path = ?", (path,)).fetchone()
        if r is None:
            return None
        d = dict(r)
        d["aliases"] = json.loads(d["aliases"])
        d["tags"] = json.loads(d["tags"])
        return d

    def outlinks(self, path: str) -> list[dict[str, Any]]:
        q = ("SELECT l.line, l.raw, l.target, l.fragment, l.embed, l.dst FROM links l JOIN notes n ON n.id = l.src"
             " WHERE n.path = ? ORDER BY l.line")
        return [dict(r) for r in self.reader().execute(q, (path,))]

    def backlinks(self, path: str) -> list[dict[str, Any]]:
        q = ("SELECT n.path AS source, n.title, l.line, l.raw FROM links l JOIN notes n ON n.id = l.src"
             " WHERE l.dst = ? AND n.path != ? ORDER BY n.path, l.line")
        return [dict(r) for r in self.reader().execute(q, (path, path))]

    def facts(self, *, key: str | None = None, path: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        where, params = [], []
        if key:
            where.append("f.norm_key = ?")
            params.append(key)
        if path:
            where.append("n.path = ?")
            params.append(path)
        q = "SELECT n.path, n.title, f.section, f.key, f.norm_key, f.value, f.line FROM facts f JOIN notes n ON n.id = f.note_id"
        if where:
            q += " WHERE " + " AND ".join(where)
        q += " ORDER BY n.path, f.line LIMIT ?"
        return [dict(r) for r in self.reader().execute(q, params + [limit])]

    def memory_notes(self) -> list[dict[str, Any]]:
        q = "SELECT path, title, aliases FROM notes WHERE kind = 'memory' ORDER BY path"
        return [{"path": r[0], "title": r[1], "aliases": json.loads(r[2])} for r in self.reader().execute(q)]

    def stats(self) -> dict[str, Any]:
        c = self.reader()
        kinds = {r[0]: r[1] for r in c.execute("SELECT kind, COUNT(*) FROM notes GROUP BY kind")}
        last = c.execute("SELECT value FROM meta WHERE key = 'last_scan'").fetchone()
        size = sum(os.path.getsize(p) for p in (self.db.path, Path(str(self.db.path) + "-wal")) if os.path.exists(p))
        return {
            "notes": sum(v for k, v in kinds.items() if k != "attachment"),
            "by_kind": kinds,
            "chunks": c.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
            "links": c.execute("SELECT COUNT(*) FROM links").fetchone()[0],
            "unresolved_links": c.execute("SELECT COUNT(*) FROM links WHERE dst IS NULL").fetchone()[0],
            "facts": c.execute("SELECT COUNT(*) FROM facts").fetchone()[0],
            "warnings": c.execute("SELECT COUNT(*) FROM notes WHERE warning IS NOT NULL").fetchone()[0],
            "db_bytes": size,
            "last_scan": float(last[0]) if last else None,
        }

    def warnings(self, limit: int = 50) -> list[dict[str, Any]]:
        q = "SELECT path, warning FROM notes WHERE warning IS NOT NULL ORDER BY path LIMIT ?"
        return [dict(r) for r in self.reader().execute(q, (limit,))]

    def reset(self) -> None:
        """Empty the index (for `memd reindex`), in place: other threads keep a working index.

        The tables are dropped and created again in one transaction rather than emptied row by
        row (deleting from FTS5 re-tokenizes every row and leaves its segments to merge), so the
        rebuild starts from an empty file; the next full scan ends with `optimize()`."""
        with self.db.tx() as c:
            for table in schema.TABLE_NAMES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in schema.statements(schema.SCHEMA):
                c.execute(statement)
            self._names = None
        with self.db.read() as c:
            c.execute("VACUUM")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._optimize_after_scan = True

    def optimize(self) -> None:
        """Merge the FTS segments into one (smaller, faster to search) and give the space back:
        run after a rebuild and by the daemon's scheduler, so an index never grows on a rebuild."""
        with self.db.tx() as c:
            c.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            c.execute("INSERT INTO fts_names(fts_names) VALUES ('optimize')")
        with self.db.read() as c:
            c.execute("PRAGMA optimize")
            pages = c.execute("PRAGMA page_count").fetchone()[0]
            free = c.execute("PRAGMA freelist_count").fetchone()[0]
            if free > max(256, pages // 4):
                # The merge left the old segments' pages free: copy the live pages into a compact file.
                c.execute("VACUUM")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _alive(pid_text: str) -> bool:
    """Whether the process that started a first index still runs (its scan may be going on)."""
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True  # another Index of this process may be scanning right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
