"""Writing prepared notes (memd.index.prepare) into the index tables.

A batch of notes is written inside one transaction in which each table is filled by one
`executemany`: note and chunk ids are assigned here from the tables' current maximum (the
transaction holds the write lock, so nobody else takes them), instead of inserting row by row to
read each `lastrowid`. On a 10k-note vault that per-row path was half of a cold index
(bench/index_bench.py).

Links are resolved (memd.index.resolve) as they are stored when a few notes change (a watcher
batch, a file memd wrote), and stored unresolved by a bulk scan, which resolves them all at once
when it ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memd.index.prepare import Prepared
from memd.index.resolve import NAMES_TABLE, reresolve, resolve_link
from memd.vault.links import NameTable

if TYPE_CHECKING:
    import sqlite3


@dataclass
class Row:
    """A note's row as the scan compares it with the file."""
    id: int
    size: int
    mtime_ns: int
    hash: str | None
    kind: str


def clear_content(c: sqlite3.Connection, note_ids: list[int]) -> None:
    """Delete what the notes contributed (chunks, FTS rows, links, facts); their notes rows stay."""
    if not note_ids:
        return
    params = [(i,) for i in note_ids]
    c.executemany("DELETE FROM fts_names WHERE rowid = ?", params)
    c.executemany("DELETE FROM fts WHERE rowid IN (SELECT id FROM chunks WHERE note_id = ?)", params)
    c.executemany("DELETE FROM chunks WHERE note_id = ?", params)
    c.executemany("DELETE FROM links WHERE src = ?", params)
    c.executemany("DELETE FROM facts WHERE note_id = ?", params)


def write_batch(c: sqlite3.Connection, items: list[Prepared], rows: dict[str, Row], report: Any,
                names: NameTable | None, *, bulk: bool, file_names: dict[str, str | None] | None = None) -> None:
    """Store `items` (one transaction is open on `c`). `rows`: the index's rows by path, updated
    for notes that had one. `bulk`: leave links unresolved for `resolve_all`. `names` None (a bulk
    scan into an empty index): the notes' names go to a temporary table `resolve_all` reads.
    `file_names` (memd.index.resolve.file_names of every file the bulk scan stores): wikilinks
    to a name in it are stored resolved."""
    now = time.time()
    items = _current(c, items, rows)
    next_note = (c.execute("SELECT max(id) FROM notes").fetchone()[0] or 0) + 1
    next_chunk = (c.execute("SELECT max(id) FROM chunks").fetchone()[0] or 0) + 1
    touched: list[tuple] = []
    inserts: list[tuple] = []
    updates: list[tuple] = []
    name_rows: list[tuple] = []
    chunk_rows: list[tuple] = []
    fts_rows: list[tuple] = []
    fact_rows: list[tuple] = []
    linked: list[tuple[int, Prepared]] = []
    changed_keys: set[str] = set()
    name_keys: list[tuple[str, str, int]] = []
    changed_paths = report.changed_paths
    for it in items:  # (the writer's hot loop on a first index: no generator or counter per note)
        path = it.path
        row = rows.get(path)
        if it.same and row is not None:
            touched.append((it.size, it.mtime_ns, row.id))
            continue
        values = (it.kind, it.size, it.mtime_ns, it.hash, it.title, it.aliases_json, it.tags_json, it.warning, now)
        if row is None:
            note_id = next_note
            next_note += 1
            inserts.append(values + (path, note_id))
        else:
            note_id = row.id
            updates.append(values + (note_id,))
            rows[path] = Row(note_id, it.size, it.mtime_ns, it.hash, it.kind)
        changed_paths.append(path)
        title, alias_text = it.title, it.alias_text
        if it.kind != "attachment":
            name_rows.append((note_id, title, alias_text))
        for ch in it.chunks:
            chunk_rows.append((next_chunk, note_id) + ch[:8])
            fts_rows.append((next_chunk, title, alias_text, ch[0], ch[8], ch[9]))
            next_chunk += 1
        if it.facts:
            fact_rows.extend([(note_id,) + f for f in it.facts])
        if it.links:
            linked.append((note_id, it))
        if names is not None:
            changed_keys |= names.add(path, names=it.names)
        else:
            name_keys.extend([(key, path, rank) for key, rank in it.names if key])
    report.touched += len(touched)
    report.added += len(inserts)
    report.updated += len(updates)
    if touched:
        c.executemany("UPDATE notes SET size = ?, mtime_ns = ? WHERE id = ?", touched)
    if updates:
        c.executemany("UPDATE notes SET kind=?, size=?, mtime_ns=?, hash=?, title=?, aliases=?, tags=?, warning=?,"
                      " indexed_at=? WHERE id=?", updates)
        clear_content(c, [u[-1] for u in updates])
    if inserts:
        c.executemany("INSERT INTO notes (kind, size, mtime_ns, hash, title, aliases, tags, warning, indexed_at, path, id)"
                      " VALUES (?,?,?,?,?,?,?,?,?,?,?)", inserts)
    c.executemany("INSERT INTO fts_names (rowid, title, aliases) VALUES (?,?,?)", name_rows)
    if names is None:
        c.execute(NAMES_TABLE)
        c.executemany("INSERT INTO temp.link_names (key, path, rank) VALUES (?,?,?)", name_keys)
    c.executemany("INSERT INTO chunks (id, note_id, heading, level, start_line, end_line, block, speaker, time,"
                  " source_id) VALUES (?,?,?,?,?,?,?,?,?,?)", chunk_rows)
    c.executemany("INSERT INTO fts (rowid, title, aliases, heading, body, context) VALUES (?,?,?,?,?,?)", fts_rows)
    if fact_rows:
        c.executemany("INSERT INTO facts (note_id, section, key, norm_key, value, line) VALUES (?,?,?,?,?,?)",
                      fact_rows)
    # Links after every name of the batch is known (a note may link to one later in the batch).
    link_rows = []
    resolving = not bulk and names is not None
    by_file = file_names if bulk and file_names is not None else None
    for note_id, it in linked:
        path = it.path
        for line, raw, target, key, fragment, embed, markdown in it.links:
            if not target:
                dst: str | None = path  # [[#heading]]: into the note itself
            elif resolving:
                dst = resolve_link(names, target, key, path, bool(markdown))
            elif by_file is not None and not markdown:
                dst = by_file.get(key)  # None: not a file's own name, or several files' (resolve_all)
            else:
                dst = None
            link_rows.append((note_id, line, raw, target, key, fragment, embed, markdown, dst))
    c.executemany("INSERT INTO links (src, line, raw, target, key, fragment, embed, markdown, dst)"
                  " VALUES (?,?,?,?,?,?,?,?,?)", link_rows)
    if not bulk and changed_keys:
        reresolve(c, names, changed_keys, {note_id for note_id, _ in linked})


def _current(c: sqlite3.Connection, items: list[Prepared], rows: dict[str, Row]) -> list[Prepared]:
    """`items` with one per path (the last), and `rows` brought up to date, inside the write
    transaction, for the notes it had no row for: another writer of this index (the daemon's
    watcher beside an API call, a second process) may have stored the same note since `rows` was
    read, and inserting it again would break the unique path."""
    by_path = {it.path: it for it in items}
    if len(by_path) != len(items):
        items = list(by_path.values())
    missing = [p for p in by_path if p not in rows]
    for start in range(0, len(missing), 500):
        part = missing[start:start + 500]
        marks = ",".join("?" * len(part))
        for r in c.execute(f"SELECT path, id, size, mtime_ns, hash, kind FROM notes WHERE path IN ({marks})", part):
            rows[r[0]] = Row(r[1], r[2], r[3], r[4], r[5])
    return items
