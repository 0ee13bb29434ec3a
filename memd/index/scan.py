"""Bringing the index in line with the vault: the reconcile scan, and re-indexing given paths.

Incremental by construction: a file whose size and mtime match its row is skipped without being
read; one whose bytes hash the same only has its stat refreshed. Rows are deleted only when the
file is confirmed gone (lstat says it does not exist) — never because a folder could not be read
or a read failed.

A large scan (PARALLEL_MIN files or more: a first index, a reindex) stores links unresolved and
resolves them all once at the end (memd.index.resolve). Into an empty index it is a *cold build*:
  - the names links may use go to a temporary table rather than memory (the only memory that
    grows with the vault is the walk's list of files and resolve.file_names: ~0.3 KB a file);
  - the tables' secondary indexes are dropped and created once at the end (memd.index.schema);
  - batches are committed about every COLD_COMMIT_S seconds rather than one by one (each commit
    writes the pages it changed to the WAL again; searches see the notes stored so far);
  - wikilinks to a name only one file has as its own are stored resolved (resolve.file_names),
    and FTS5 gathers FTS_HASH_BYTES of terms before it writes a segment.
Any bulk scan checkpoints the WAL once it has BULK_WAL_PAGES, and when it ends, not after every commit.
It stays crash-safe: the index records `bulk_incomplete` before it starts, and an index found
with that mark (its builder dead) is emptied and built again when next opened (memd.index.index).
"""

from __future__ import annotations

import gc
import itertools
import os
import sqlite3
import time
from typing import TYPE_CHECKING, Callable, Iterable

from memd.errors import VaultError
from memd.index import feed, schema
from memd.index.parse import decode_note
from memd.index.prepare import Job, Settings
from memd.index.report import ScanReport
from memd.index.resolve import file_names, resolve_all, reresolve
from memd.index.scanner import WalkResult, walk
from memd.index.writer import Row, clear_content, write_batch
from memd.vault.ignore import is_ignored_path

if TYPE_CHECKING:
    from memd.index.index import Index

BATCH = 1000  # notes written per executemany round (FTS5 flushes its pending terms at ~1 MB anyway)
PARALLEL_MIN = 400  # files to parse before a scan is a bulk one (links resolved at the end)
COLD_COMMIT_S = 2.0  # a cold build commits about this often
# WAL pages a bulk scan lets pile up before SQLite copies them into the database (a checkpoint):
# by default it did so after every commit that left over 1,000 pages, so a 50k-note first
# index copied and synced ~50 MB every 2 s (10 checkpoints, 2.1 s of a 19 s index), writing
# the pages changed by several commits several times. 256 MiB: one or two checkpoints instead,
# and a bound on the WAL's size on disk. Measured on that index, commits and checkpoints
# together: 1.99 s before, 1.85 s with this bound, 1.62 s with 1 GiB (a WAL of ~400 MB).
BULK_WAL_PAGES = 65536
# Bytes of new terms FTS5 gathers in memory before writing them out as a segment (its default is
# 1 MB). A first index writes ~2 MB of text per 1,000 notes: with 4 MB it writes a quarter of the
# segments and merges them less (the FTS inserts of a 10k-note vault, alone: 0.76 -> 0.58 s CPU).
# Set on the table (FTS5 keeps it in its config), it changes nothing a search sees; a small
# transaction writes its terms when it commits anyway.
FTS_HASH_BYTES = 4 * 1024 * 1024


class Scanning:
    """The scanning half of Index (memd.index.index): every method here runs on an Index."""

    def _check_vault(self: Index) -> None:
        if not self.vault.is_dir():
            # An unmounted drive or a moved vault must not look like "every note was deleted".
            raise VaultError(f"vault not found: {self.vault}", hint="is the drive mounted? fix `vault` in the config")

    def _rows(self: Index, c: sqlite3.Connection, prefix: str = "") -> dict[str, Row]:
        if prefix:
            under = prefix.strip("/") + "/"  # the folder's contents, not "Notes2/" beside "Notes"
            cur = c.execute("SELECT path, id, size, mtime_ns, hash, kind FROM notes WHERE path >= ? AND path < ?",
                            (under, under + "\U0010ffff"))
        else:
            cur = c.execute("SELECT path, id, size, mtime_ns, hash, kind FROM notes")
        return {r[0]: Row(r[1], r[2], r[3], r[4], r[5]) for r in cur}

    def scan(self: Index, *, prefix: str = "", progress: Callable[[int, int], None] | None = None) -> ScanReport:
        """Bring the index in line with the vault (or the folder `prefix`): the reconcile scan."""
        self._check_vault()
        t0 = time.perf_counter()
        report = ScanReport()
        walked = WalkResult()
        with self.db.read() as c:
            rows = self._rows(c, prefix)
        seen: set[str] = set()
        todo: list[tuple[str, int, int]] = []  # (path, size, mtime_ns): a stat result is ~200 bytes
        worker = None  # started while the walk goes on, once it has found enough to parse
        try:
            for rel, st in walk(self.vault, walked, self.exclude, prefix):
                seen.add(rel)
                row = rows.get(rel)
                if row is not None and row.size == st.st_size and row.mtime_ns == st.st_mtime_ns:
                    report.unchanged += 1
                else:
                    todo.append((rel, st.st_size, st.st_mtime_ns))
                    if len(todo) == feed.WORKER_MIN:
                        worker = feed.start_worker()
            report.scanned = len(seen)
            report.warnings.extend(walked.warnings)
            report.unreadable_dirs = walked.unreadable_dirs
            self._remove_stale_temps(walked.stale_temps)
            missing = [p for p in rows if p not in seen]
            self._process(todo, rows, report, progress, worker)
        finally:
            if worker is not None:
                worker.close()  # (a no-op when the scan used and closed it)
        self._reconcile_missing(missing, rows, walked.unreadable_dirs, report)
        with self.db.tx() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_scan', ?)", (str(time.time()),))
        if self._optimize_after_scan and not prefix:
            self._optimize_after_scan = False
            self.optimize()
        report.seconds = time.perf_counter() - t0
        return report

    def index_paths(self: Index, paths: Iterable[str]) -> ScanReport:
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
                    report.merge(self.scan(prefix=rel))  # a folder deleted or moved out
                continue
            except OSError as exc:
                report.warnings.append((rel, f"cannot stat: {exc.strerror}"))
                continue
            if not os.path.isfile(self.vault / rel):
                if os.path.isdir(self.vault / rel):
                    folders.append(rel)
                    report.merge(self.scan(prefix=rel))  # a folder appeared or was moved in
                continue
            # No size+mtime shortcut here: an event says the file changed, and timestamps are
            # coarse (a same-size edit within a few ms keeps its mtime). The hash decides.
            report.scanned += 1
            todo.append((rel, st.st_size, st.st_mtime_ns))
        self._process(todo, rows, report, None)
        self._reconcile_missing(missing, rows, [], report)
        report.seconds = time.perf_counter() - t0
        return report

    def _has_notes(self: Index) -> bool:
        with self.db.read() as c:
            return c.execute("SELECT 1 FROM notes LIMIT 1").fetchone() is not None

    def _has_rows_under(self: Index, folder: str) -> bool:
        under = folder + "/"
        with self.db.read() as c:
            return c.execute("SELECT 1 FROM notes WHERE path >= ? AND path < ? LIMIT 1",
                             (under, under + "\U0010ffff")).fetchone() is not None

    def _row(self: Index, c: sqlite3.Connection, path: str) -> Row | None:
        r = c.execute("SELECT id, size, mtime_ns, hash, kind FROM notes WHERE path = ?", (path,)).fetchone()
        return Row(*r) if r else None

    def _remove_stale_temps(self: Index, temps: list[str]) -> None:
        """Temp files of a write killed mid-way: ours by name, old enough that no write owns them."""
        for rel in temps:
            try:
                os.unlink(self.vault / rel)
            except OSError:
                pass

    def _process(self: Index, todo: list[tuple[str, int, int]], rows: dict[str, Row], report: ScanReport,
                 progress: Callable[[int, int], None] | None, worker: object = None) -> None:
        total = len(todo)
        bulk = total >= PARALLEL_MIN
        cold = bulk and not rows and not self._has_notes()
        names = None if cold else self.names()
        if cold:
            self._names = None
            with self.db.tx() as c:
                c.execute("DROP TABLE IF EXISTS temp.link_names")  # what an interrupted scan may have left
                # Links are resolved only when the scan ends: an index whose first scan was
                # interrupted lacks them (and its secondary indexes), and is rebuilt when next
                # opened (see Index.__init__).
                c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('bulk_incomplete', ?)", (str(os.getpid()),))
                schema.drop_secondary(c)
                c.execute("INSERT INTO fts (fts, rank) VALUES ('hashsize', ?)", (FTS_HASH_BYTES,))
        jobs = [Job(rel, size, mtime_ns, self.kind_of(rel), rows[rel].hash if rel in rows else None)
                for rel, size, mtime_ns in todo]
        todo.clear()  # the jobs hold what is needed
        settings = Settings(str(self.vault), self._max_bytes, self.config.index.chunk_chars)
        indexed = not cold  # the secondary indexes are there
        # A bulk scan allocates millions of small tuples, none in a reference cycle: the cyclic
        # collector ran over them again and again (~4 % of a cold index, py-spy) for nothing.
        collect = bulk and gc.isenabled()
        if collect:
            gc.disable()
        wal_pages = None
        if bulk:
            with self.db.read() as c:
                wal_pages = c.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
                c.execute(f"PRAGMA wal_autocheckpoint = {max(wal_pages, BULK_WAL_PAGES)}")
        try:
            with feed.prepared(jobs, settings, worker) as results:
                # Computed while the worker (if any) parses the first notes; jobs[k] is the
                # k-th result's job (results come in order).
                by_file = file_names(job.rel for job in jobs) if cold else None
                lost: list[str] = []  # files by_file names that were not stored
                batches = iter(lambda: list(itertools.islice(results, BATCH)), [])
                batch = next(batches, None)
                done = 0
                while batch is not None:
                    with self.db.tx() as c:
                        started = time.monotonic()
                        while batch is not None:
                            items = []
                            for k, (item, warnings) in enumerate(batch, done):
                                report.warnings.extend(warnings)
                                if item is not None:
                                    items.append(item)
                                elif by_file is not None:
                                    lost.append(jobs[k].rel)
                            write_batch(c, items, rows, report, names, bulk=bulk, file_names=by_file)
                            done += len(batch)
                            del items
                            batch = next(batches, None)
                            if progress:
                                progress(done, total)
                            if not cold or time.monotonic() - started >= COLD_COMMIT_S:
                                break
                        if batch is None and bulk:
                            # Every note is stored: resolve the links in the last batch's
                            # transaction (one commit less: each wrote ~0.1 s of pages).
                            resolve_all(c, names, lost)
                            if cold:
                                schema.create_secondary(c)
                                indexed = True
                            c.execute("DELETE FROM meta WHERE key = 'bulk_incomplete'")
            if cold:
                self._names = None  # one built by another thread mid-scan saw only part of the notes
        finally:
            if collect:
                gc.enable()
            if wal_pages is not None:
                with self.db.read() as c:
                    c.execute(f"PRAGMA wal_autocheckpoint = {int(wal_pages)}")
                    c.execute("PRAGMA wal_checkpoint(PASSIVE)")  # what the commits left in the WAL, once
            if not indexed:
                # A failed build keeps its mark (rebuilt when next opened) but not a schema
                # without its indexes meanwhile.
                with self.db.tx() as c:
                    schema.create_secondary(c)
        for item_path in report.changed_paths:
            if self.on_memory_note and item_path.startswith(self.memory_prefix):
                try:
                    text = decode_note((self.vault / item_path).read_bytes())[0]
                except OSError:
                    continue
                self.on_memory_note(item_path, text)

    def _reconcile_missing(self: Index, missing: list[str], rows: dict[str, Row], unreadable: list[str],
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
