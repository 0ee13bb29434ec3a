"""Writing prepared notes (memd.index.prepare) into the index tables, and resolving their links.

A batch of notes is one transaction in which each table is filled by one `executemany`: note and
chunk ids are assigned here from the tables' current maximum (the transaction holds the write
lock, so nobody else takes them), instead of inserting row by row to read each `lastrowid`.
On a 10k-note vault that per-row path was half of a cold index (bench/index_bench.py).

Links are resolved in one of two ways:
  - incrementally (a watcher batch, a file memd wrote): each new link on insert, and the
    existing links whose names changed re-resolved, as before;
  - in bulk (a first index, a reindex): inserted unresolved, then resolved for the whole index at
    once by `resolve_all` — one UPDATE joining a temporary table of the names exactly one file
    answers to, and Python's tie rules only for names several files share and for markdown
    links (relative to their note's folder first). The link rows are never all in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memd.index.prepare import Prepared
from memd.vault.links import NameTable, target_key

if TYPE_CHECKING:
    import sqlite3

RESOLVE_PAGE = 2000  # links read (and their new targets written) per step of resolve_all
_PENDING_TABLE = ("CREATE TEMP TABLE IF NOT EXISTS link_pending (src INTEGER, line INTEGER, raw TEXT, target TEXT,"
                  " key TEXT, fragment TEXT, embed INTEGER, markdown INTEGER, dst TEXT)")
_NAMES_TABLE = "CREATE TEMP TABLE IF NOT EXISTS link_names (key TEXT NOT NULL, path TEXT NOT NULL, rank INTEGER NOT NULL)"


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
                names: NameTable | None, *, bulk: bool) -> None:
    """Store `items` (one transaction is open on `c`). `rows`: the index's rows by path, updated
    for notes that had one. `bulk`: leave links unresolved for `resolve_all`. `names` None (a bulk
    scan into an empty index): the notes' names go to a temporary table `resolve_all` reads."""
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
    for it in items:
        row = rows.get(it.path)
        if it.same and row is not None:
            touched.append((it.size, it.mtime_ns, row.id))
            report.touched += 1
            continue
        values = (it.kind, it.size, it.mtime_ns, it.hash, it.title, it.aliases_json, it.tags_json, it.warning, now)
        if row is None:
            note_id = next_note
            next_note += 1
            inserts.append(values + (it.path, note_id))
            report.added += 1
        else:
            note_id = row.id
            updates.append(values + (note_id,))
            rows[it.path] = Row(note_id, it.size, it.mtime_ns, it.hash, it.kind)
            report.updated += 1
        report.changed_paths.append(it.path)
        alias_text = it.alias_text
        if it.kind != "attachment":
            name_rows.append((note_id, it.title, alias_text))
        for ch in it.chunks:
            chunk_rows.append((next_chunk, note_id) + ch[:8])
            fts_rows.append((next_chunk, it.title, alias_text, ch[0], ch[8], ch[9]))
            next_chunk += 1
        fact_rows.extend((note_id,) + f for f in it.facts)
        if it.links:
            linked.append((note_id, it))
        if names is not None:
            changed_keys |= names.add(it.path, names=it.names)
        else:
            name_keys.extend((key, it.path, rank) for key, rank in it.names if key)
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
        c.execute(_NAMES_TABLE)
        c.executemany("INSERT INTO temp.link_names (key, path, rank) VALUES (?,?,?)", name_keys)
    c.executemany("INSERT INTO chunks (id, note_id, heading, level, start_line, end_line, block, speaker, time,"
                  " source_id) VALUES (?,?,?,?,?,?,?,?,?,?)", chunk_rows)
    c.executemany("INSERT INTO fts (rowid, title, aliases, heading, body, context) VALUES (?,?,?,?,?,?)", fts_rows)
    if fact_rows:
        c.executemany("INSERT INTO facts (note_id, section, key, norm_key, value, line) VALUES (?,?,?,?,?,?)",
                      fact_rows)
    # Links after every name of the batch is known (a note may link to one later in the batch).
    link_rows = []
    for note_id, it in linked:
        for line, raw, target, key, fragment, embed, markdown in it.links:
            if not target:
                dst: str | None = it.path  # [[#heading]]: into the note itself
            else:
                dst = None if bulk or names is None else resolve_link(names, target, key, it.path, bool(markdown))
            link_rows.append((note_id, line, raw, target, key, fragment, embed, markdown, dst))
    # Into an empty index the links wait in an unindexed temporary table: resolve_all moves
    # them into `links` once, resolved (inserting them here and updating each later wrote every
    # link row and its index entries twice).
    table = "temp.link_pending" if names is None else "links"
    if names is None:
        c.execute(_PENDING_TABLE)
    c.executemany(f"INSERT INTO {table} (src, line, raw, target, key, fragment, embed, markdown, dst)"
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


def resolve_link(names: NameTable, target: str, key: str, source: str, markdown: bool) -> str | None:
    """Like Index.resolve, with the link's key already computed (the hot path of indexing)."""
    if not target:
        return source
    if markdown and not target.startswith(("/", "./", "../")):
        # Markdown links are relative to the linking note's folder first.
        found = names.resolve("./" + target, source)
        if found:
            return found
    return names.resolve_key(key, source, target)


def reresolve(c: sqlite3.Connection, names: NameTable, keys: set[str], skip_src: set[int] = frozenset()) -> None:
    """Re-resolve the existing links whose target names changed (notes added, renamed, removed)."""
    key_list = list(keys)
    updates = []
    for i in range(0, len(key_list), 500):
        part = key_list[i:i + 500]
        q = ("SELECT links.id, links.src, notes.path, links.target, links.key, links.markdown, links.dst FROM links"
             f" JOIN notes ON notes.id = links.src WHERE links.key IN ({','.join('?' * len(part))})")
        for lid, src, path, target, key, md, dst in c.execute(q, part):
            if src in skip_src:
                continue
            new_dst = resolve_link(names, target, key, path, bool(md))
            if new_dst != dst:
                updates.append((new_dst, lid))
    if updates:
        c.executemany("UPDATE links SET dst = ? WHERE id = ?", updates)


def resolve_all(c: sqlite3.Connection, names: NameTable | None) -> None:
    """Resolve every link of the index (after a bulk scan, when every name is known). `names`
    None: the names are in the temporary table write_batch filled (emptied here)."""
    c.execute("CREATE TEMP TABLE IF NOT EXISTS link_unique (key TEXT PRIMARY KEY, path TEXT NOT NULL)")
    c.execute("CREATE TEMP TABLE IF NOT EXISTS link_shared (key TEXT PRIMARY KEY)")
    try:
        if names is not None:
            c.executemany("INSERT INTO temp.link_unique (key, path) VALUES (?, ?)", names.unique())
            c.executemany("INSERT INTO temp.link_shared (key) VALUES (?)", ((k,) for k in names.ambiguous()))
            # Wikilinks to a name one file answers to (most links): one statement. Rows whose
            # target is already right are not rewritten.
            c.execute("UPDATE links SET dst = (SELECT path FROM temp.link_unique u WHERE u.key = links.key)"
                      " WHERE markdown = 0 AND target != '' AND key NOT IN (SELECT key FROM temp.link_shared)"
                      " AND dst IS NOT (SELECT path FROM temp.link_unique u WHERE u.key = links.key)")
        else:
            c.execute(_NAMES_TABLE)
            c.execute("CREATE INDEX IF NOT EXISTS temp.link_names_key ON link_names (key)")
            c.execute("INSERT INTO temp.link_unique (key, path) SELECT key, min(path) FROM temp.link_names"
                      " GROUP BY key HAVING count(DISTINCT path) = 1")
            c.execute("INSERT INTO temp.link_shared (key) SELECT key FROM temp.link_names"
                      " GROUP BY key HAVING count(DISTINCT path) > 1")
            c.execute(_PENDING_TABLE)
            # Every pending link into `links`, a wikilink to a name one file answers to resolved
            # on the way (the rest: below).
            c.execute("INSERT INTO links (src, line, raw, target, key, fragment, embed, markdown, dst)"
                      " SELECT src, line, raw, target, key, fragment, embed, markdown,"
                      " CASE WHEN target = '' THEN dst WHEN markdown = 0 THEN"
                      " (SELECT path FROM temp.link_unique u WHERE u.key = p.key) END"
                      " FROM temp.link_pending p ORDER BY p.rowid")
        # The rest need the tie rules (shared names) or their folder (markdown links): page by page.
        last = 0
        q = ("SELECT l.id, n.path, l.target, l.key, l.markdown, l.dst FROM links l JOIN notes n ON n.id = l.src"
             " WHERE l.id > ? AND l.target != '' AND (l.markdown = 1 OR l.key IN (SELECT key FROM temp.link_shared))"
             " ORDER BY l.id LIMIT ?")
        while True:
            page = c.execute(q, (last, RESOLVE_PAGE)).fetchall()
            if not page:
                break
            last = page[-1][0]
            table = names if names is not None else _candidates(c, page)
            updates = [(new, lid) for lid, path, target, key, md, dst in page
                       if (new := resolve_link(table, target, key, path, bool(md))) != dst]
            if updates:
                c.executemany("UPDATE links SET dst = ? WHERE id = ?", updates)
    finally:
        c.execute("DELETE FROM temp.link_unique")
        c.execute("DELETE FROM temp.link_shared")
        if names is None:
            c.execute("DROP TABLE IF EXISTS temp.link_names")
            c.execute("DROP TABLE IF EXISTS temp.link_pending")


def _candidates(c: sqlite3.Connection, page: list[tuple]) -> NameTable:
    """A name table holding only the names a page of links may resolve through (from the
    temporary names table): what resolve_link needs, without every name of the vault in memory."""
    keys: set[str] = set()
    for _lid, path, target, key, md, _dst in page:
        keys.add(key)
        if md and not target.startswith(("/", "./", "../")):
            keys.add(target_key("./" + target, path))  # a markdown link tries its folder first
    by_path: dict[str, list[tuple[str, int]]] = {}
    key_list = sorted(keys)
    for i in range(0, len(key_list), 500):
        part = key_list[i:i + 500]
        q = f"SELECT key, path, min(rank) FROM temp.link_names WHERE key IN ({','.join('?' * len(part))}) GROUP BY key, path"
        for key, path, rank in c.execute(q, part):
            by_path.setdefault(path, []).append((key, rank))
    table = NameTable()
    for path, found in by_path.items():
        table.add(path, names=found)
    return table
