"""The vault index: notes, FTS5 chunks, facts and the link graph, in a rebuildable SQLite file.

Incremental by construction: a file whose size and mtime match its row is skipped without being
read; one whose bytes hash the same only has its stat refreshed. Rows are deleted only when the
file is confirmed gone (lstat says it does not exist) — never because a folder could not be read
or a read failed. Link targets are resolved when indexed and re-resolved only for the names that
a change added or removed.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from memd.config import Config
from memd.db import Database, connect
from memd.errors import VaultError
from memd.index.parse import decode_note
from memd.index.prepare import Job, Settings, prepare
from memd.index.result_cache import SearchCache
from memd.index.search import search as fts_search
from memd.index.scanner import WalkResult, walk
from memd.index.writer import Row, clear_content, reresolve, resolve_all, write_batch
from memd.vault.ignore import is_ignored_path, is_markdown
from memd.vault.links import NameTable

SCHEMA_VERSION = 5  # 4: search units (turns, fact lines) with speaker, time, block, source id; 5: no prefix index
SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT,
    title TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    warning TEXT,
    indexed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_kind ON notes(kind);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    note_id INTEGER NOT NULL,
    heading TEXT NOT NULL,
    level INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    block TEXT,
    speaker TEXT,
    time TEXT,
    source_id TEXT
);
CREATE INDEX IF NOT EXISTS chunks_note ON chunks(note_id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, aliases, heading, body, context, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_names USING fts5(
    title, aliases, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY,
    src INTEGER NOT NULL,
    line INTEGER NOT NULL,
    raw TEXT NOT NULL,
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    fragment TEXT,
    embed INTEGER NOT NULL,
    markdown INTEGER NOT NULL,
    dst TEXT
);
CREATE INDEX IF NOT EXISTS links_src ON links(src);
CREATE INDEX IF NOT EXISTS links_key ON links(key);
CREATE INDEX IF NOT EXISTS links_dst ON links(dst);
CREATE TABLE IF NOT EXISTS facts (
    note_id INTEGER NOT NULL,
    section TEXT,
    key TEXT NOT NULL,
    norm_key TEXT NOT NULL,
    value TEXT NOT NULL,
    line INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_note ON facts(note_id);
CREATE INDEX IF NOT EXISTS facts_key ON facts(norm_key);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
"""

BATCH = 1000  # notes per transaction (FTS5 flushes its pending terms at ~1 MB anyway; larger batches only hold more memory)
PARALLEL_MIN = 400  # files to parse before a scan is a bulk one (links resolved at the end)
WORKER_MIN = 3000  # ... and before it parses in a worker process (starting one costs ~0.3 s)


def _use_worker() -> bool:
    """Parse in a worker process only with a core to spare for it: with one core, or with every
    core already busy (the load average at or above the cores), the worker's pickling and waiting
    cost more than the overlap earns. MEMD_INDEX_WORKER=0/1 decides instead."""
    forced = os.environ.get("MEMD_INDEX_WORKER")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return cores >= 2 and load <= cores - 1


def _pool() -> Any:
    """One worker process for parsing (a fresh `python -m memd.workers`: no inherited SQLite
    handles or threads, and the caller's __main__ is never re-imported)."""
    from memd.workers import WorkerPool

    return WorkerPool(1)


@dataclass
class ScanReport:
    scanned: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    touched: int = 0  # stat changed, content identical
    removed: int = 0
    kept: int = 0  # missing from the walk but not confirmed gone: rows kept
    warnings: list[tuple[str, str]] = field(default_factory=list)
    unreadable_dirs: list[str] = field(default_factory=list)
    changed_paths: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["warnings"] = [{"path": p, "warning": w} for p, w in self.warnings]
        return d


class Index:
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
        self.db = _open_index_db(config.index_db)
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

    # -- scanning ------------------------------------------------------------------------------
    def _check_vault(self) -> None:
        if not self.vault.is_dir():
            # An unmounted drive or a moved vault must not look like "every note was deleted".
            raise VaultError(f"vault not found: {self.vault}", hint="is the drive mounted? fix `vault` in the config")

    def _rows(self, c: sqlite3.Connection, prefix: str = "") -> dict[str, Row]:
        if prefix:
            under = prefix.strip("/") + "/"  # the folder's contents, not "Notes2/" beside "Notes"
            cur = c.execute("SELECT path, id, size, mtime_ns, hash, kind FROM notes WHERE path >= ? AND path < ?",
                            (under, under + "\U0010ffff"))
        else:
            cur = c.execute("SELECT path, id, size, mtime_ns, hash, kind FROM notes")
        return {r[0]: Row(r[1], r[2], r[3], r[4], r[5]) for r in cur}

    def scan(self, *, prefix: str = "", progress: Callable[[int, int], None] | None = None) -> ScanReport:
        """Bring the index in line with the vault (or the folder `prefix`): the reconcile scan."""
        self._check_vault()
        t0 = time.perf_counter()
        report = ScanReport()
        walked = WalkResult()
        with self.db.read() as c:
            rows = self._rows(c, prefix)
        seen: set[str] = set()
        todo: list[tuple[str, int, int]] = []  # (path, size, mtime_ns): a stat result is ~200 bytes
        for rel, st in walk(self.vault, walked, self.exclude, prefix):
            seen.add(rel)
            row = rows.get(rel)
            if row is not None and row.size == st.st_size and row.mtime_ns == st.st_mtime_ns:
                report.unchanged += 1
            else:
                todo.append((rel, st.st_size, st.st_mtime_ns))
        report.scanned = len(seen)
        report.warnings.extend(walked.warnings)
        report.unreadable_dirs = walked.unreadable_dirs
        self._remove_stale_temps(walked.stale_temps)
        missing = [p for p in rows if p not in seen]
        self._process(todo, rows, report, progress)
        self._reconcile_missing(missing, rows, walked.unreadable_dirs, report)
        with self.db.tx() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_scan', ?)", (str(time.time()),))
        if self._optimize_after_scan and not prefix:
            self._optimize_after_scan = False
            self.optimize()
        report.seconds = time.perf_counter() - t0
        return report

    def index_paths(self, paths: Iterable[str]) -> ScanReport:
        """Re-index specific vault-relative paths (the watcher's batch, or a file memd just wrote)."""
        self._check_vault()
        t0 = time.perf_counter()
        report = ScanReport()
        todo: list[tuple[str, int, int]] = []
        missing: list[str] = []
        wanted = sorted(set(p.strip("/") for p in paths))
        with self.db.read() as c:
            rows = {p: r for p in wanted if (r := self._row(c, p)) is not None}
        folders: list[str] = []  # scanned whole below: their files in this batch are done
        for rel in wanted:
            if any(rel.startswith(f + "/") for f in folders):
                continue  # indexing it again would insert its row a second time (UNIQUE notes.path)
            if is_ignored_path(rel, self.exclude):
                if rel in rows:
                    missing.append(rel)
                continue
            try:
                st = os.stat(self.vault / rel)
            except FileNotFoundError:
                missing.append(rel)
                if self._has_rows_under(rel):
                    folders.append(rel)
                    _merge(report, self.scan(prefix=rel))  # a folder deleted or moved out
                continue
            except OSError as exc:
                report.warnings.append((rel, f"cannot stat: {exc.strerror}"))
                continue
            if not os.path.isfile(self.vault / rel):
                if os.path.isdir(self.vault / rel):
                    folders.append(rel)
                    sub = self.scan(prefix=rel)  # a folder appeared or was moved in
                    _merge(report, sub)
                continue
            # No size+mtime shortcut here: an event says the file changed, and timestamps are
            # coarse (a same-size edit within a few ms keeps its mtime). The hash decides.
            report.scanned += 1
            todo.append((rel, st.st_size, st.st_mtime_ns))
        self._process(todo, rows, report, None)
        self._reconcile_missing(missing, rows, [], report)
        report.seconds = time.perf_counter() - t0
        return report

    def _has_notes(self) -> bool:
        with self.db.read() as c:
            return c.execute("SELECT 1 FROM notes LIMIT 1").fetchone() is not None

    def _has_rows_under(self, folder: str) -> bool:
        under = folder + "/"
        with self.db.read() as c:
            return c.execute("SELECT 1 FROM notes WHERE path >= ? AND path < ? LIMIT 1",
                             (under, under + "\U0010ffff")).fetchone() is not None

    def _row(self, c: sqlite3.Connection, path: str) -> Row | None:
        r = c.execute("SELECT id, size, mtime_ns, hash, kind FROM notes WHERE path = ?", (path,)).fetchone()
        return Row(*r) if r else None

    def _remove_stale_temps(self, temps: list[str]) -> None:
        """Temp files of a write killed mid-way: ours by name, old enough that no write owns them."""
        for rel in temps:
            try:
                os.unlink(self.vault / rel)
            except OSError:
                pass

    def _process(self, todo: list[tuple[str, int, int]], rows: dict[str, Row], report: ScanReport,
                 progress: Callable[[int, int], None] | None) -> None:
        total = len(todo)
        # A large scan (a first index, a reindex) resolves links once at the end instead of after
        # every batch, and may parse in a worker process while this one writes. Into an empty
        # index it keeps the names links may use in a temporary table rather than in memory
        # (memory stays flat in the vault's size); the name table is built again when needed.
        bulk = total >= PARALLEL_MIN
        cold = bulk and not rows and not self._has_notes()
        names = None if cold else self.names()
        if cold:
            self._names = None
            with self.db.tx() as c:
                c.execute("DROP TABLE IF EXISTS temp.link_names")  # what an interrupted scan may have left
                c.execute("DROP TABLE IF EXISTS temp.link_pending")
                # Links reach `links` only when the scan ends: an index whose first scan was
                # interrupted lacks them, and is rebuilt when next opened (see __init__).
                c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('bulk_incomplete', ?)", (str(os.getpid()),))
        jobs = [Job(rel, size, mtime_ns, self.kind_of(rel), rows[rel].hash if rel in rows else None)
                for rel, size, mtime_ns in todo]
        todo.clear()  # the jobs hold what is needed
        settings = Settings(str(self.vault), self._max_bytes, self.config.index.chunk_chars)
        pool = _pool() if total >= WORKER_MIN and _use_worker() else None
        try:
            results = (pool.imap(functools.partial(prepare, settings=settings), jobs, chunksize=64) if pool
                       else (prepare(job, settings) for job in jobs))
            done = 0
            while done < total:
                batch = list(itertools.islice(results, BATCH))
                if not batch:
                    break
                done += len(batch)
                items = []
                for item, warnings in batch:
                    report.warnings.extend(warnings)
                    if item is not None:
                        items.append(item)
                with self.db.tx() as c:
                    write_batch(c, items, rows, report, names, bulk=bulk)
                del items, batch
                if progress:
                    progress(done, total)
        finally:
            if pool is not None:
                pool.close()
        if bulk:
            with self.db.tx() as c:
                resolve_all(c, names)
                c.execute("DELETE FROM meta WHERE key = 'bulk_incomplete'")
                if cold:
                    self._names = None  # one built by another thread mid-scan saw only part of the notes
        for item_path in report.changed_paths:
            if self.on_memory_note and item_path.startswith(self.memory_prefix):
                try:
                    text = decode_note((self.vault / item_path).read_bytes())[0]
                except OSError:
                    continue
                self.on_memory_note(item_path, text)

    def _reconcile_missing(self, missing: list[str], rows: dict[str, Row], unreadable: list[str],
                           report: ScanReport) -> None:
        """Delete rows only for files confirmed gone; keep the rest and say why."""
        gone: list[str] = []
        for rel in missing:
            if any(rel == d or rel.startswith(d + "/") or d == "" for d in unreadable):
                report.kept += 1
                continue
            if is_ignored_path(rel, self.exclude):
                gone.append(rel)  # now excluded by configuration: not ours to index
                continue
            try:
                os.lstat(self.vault / rel)
            except FileNotFoundError:
                gone.append(rel)
                continue
            except OSError as exc:
                report.warnings.append((rel, f"cannot check: {exc.strerror}; index rows kept"))
                report.kept += 1
                continue
            if not os.path.exists(self.vault / rel):
                gone.append(rel)  # a dangling symlink: nothing left to index
                continue
            report.kept += 1
            report.warnings.append((rel, "present but not reachable by the scan; index rows kept"))
        if not gone:
            return
        names = self.names()
        changed: set[str] = set()
        with self.db.tx() as c:
            ids = []
            for rel in gone:
                row = rows.pop(rel, None)
                if row is None:
                    continue
                ids.append(row.id)
                changed |= set(names.remove(rel))
                report.removed += 1
                report.changed_paths.append(rel)
            clear_content(c, ids)
            c.executemany("DELETE FROM notes WHERE id = ?", [(i,) for i in ids])
            if changed:
                reresolve(c, names, changed)

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
            for table in ("notes", "chunks", "links", "facts", "fts", "fts_names", "meta"):
                c.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in SCHEMA.split(";"):
                if statement.strip():
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


def _merge(into: ScanReport, other: ScanReport) -> None:
    for name in ("scanned", "added", "updated", "unchanged", "touched", "removed", "kept"):
        setattr(into, name, getattr(into, name) + getattr(other, name))
    into.warnings += other.warnings
    into.unreadable_dirs += other.unreadable_dirs
    into.changed_paths += other.changed_paths


def _open_index_db(path: Path) -> Database:
    """The index database; one written by an older memd is rebuilt (it holds nothing irreplaceable)."""
    db = Database(path)
    with db.read() as c:
        # A checkpointed WAL is cut back to this size: a rebuild must not leave a WAL as big as the index.
        c.execute("PRAGMA journal_size_limit = 16777216")
        c.execute("CREATE TABLE IF NOT EXISTS schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        row = c.execute("SELECT version FROM schema_versions WHERE name = 'index'").fetchone()
    if row is not None and row[0] != SCHEMA_VERSION:
        db.close()
        drop_index(path)
        db = Database(path)
    db.ensure_schema("index", SCHEMA_VERSION, SCHEMA)
    return db


def drop_index(path: Path) -> None:
    """Delete the index database files (they are rebuildable; the state database is elsewhere)."""
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
