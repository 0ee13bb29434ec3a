"""Resolving the index's links to the files they point at.

Three ways, by how much changed:
  - one link at a time (`resolve_link`), when a watcher batch or a file memd wrote is indexed;
  - the links whose target names changed (`reresolve`: notes added, renamed, removed);
  - every link at once (`resolve_all`), after a bulk scan, when every name is known: one UPDATE
    joining a temporary table of the names exactly one file answers to (most links), and
    Python's tie rules only for names several files share and for markdown links (relative to
    their note's folder first), page by page. The link rows are never all in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from memd.vault.links import NameTable, name_key, target_key

if TYPE_CHECKING:
    import sqlite3

RESOLVE_PAGE = 2000  # links read (and their new targets written) per step of resolve_all
NAMES_TABLE = "CREATE TEMP TABLE IF NOT EXISTS link_names (key TEXT NOT NULL, path TEXT NOT NULL, rank INTEGER NOT NULL)"


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


def file_names(paths: Iterable[str]) -> dict[str, str | None]:
    """name key -> the one file whose own name (its file name, no folder) it is, or None when
    several files share it: the names a first index resolves its links by as it stores them.

    Such a name outranks any title or alias (RANK_PATH for a file at the vault's root, RANK_NAME
    below it; titles and aliases rank after both), so a wikilink whose key only one file has as
    its own name points at that file whatever the notes not read yet say: it is stored resolved
    (most links: 81 % on bench/vaultgen.py's vaults) and never rewritten by resolve_all.
    Keys with a "/" (paths, path suffixes) are left to resolve_all."""
    out: dict[str, str | None] = {}
    for path in paths:
        stem = path[:-3] if path.lower().endswith(".md") else path
        key = name_key(stem[stem.rfind("/") + 1:])
        if key:
            out[key] = path if key not in out else None
    return out


def resolve_all(c: sqlite3.Connection, names: NameTable | None, lost: Iterable[str] = ()) -> None:
    """Resolve every link of the index (after a bulk scan, when every name is known). `names`
    None (a first index): the names are in the temporary table write_batch filled (dropped here),
    and wikilinks to a file's own name were stored resolved (file_names): `lost` names the files
    that table counted but that were not stored (gone before they were read), whose links are
    resolved again here."""
    try:
        if names is not None:
            # Every name key once: the one file answering to it, or `shared` when several do
            # (their links need the tie rules). WITHOUT ROWID: a lookup is one b-tree search,
            # not two (a 50k-note vault's 320k links resolved in 30 % less time).
            c.execute("DROP TABLE IF EXISTS temp.link_keys")
            c.execute("CREATE TEMP TABLE link_keys (key TEXT PRIMARY KEY, path TEXT, shared INTEGER NOT NULL) WITHOUT ROWID")
            c.executemany("INSERT INTO temp.link_keys (key, path, shared) VALUES (?, ?, 0)", names.unique())
            c.executemany("INSERT INTO temp.link_keys (key, path, shared) VALUES (?, NULL, 1)",
                          ((k,) for k in names.ambiguous()))
            # Wikilinks to a name one file answers to (most links): one statement. A name no
            # file answers to any more (a title changed in this scan) is unresolved again; rows
            # whose target is already right are not rewritten.
            c.execute("UPDATE links SET dst = (SELECT path FROM temp.link_keys u WHERE u.key = links.key)"
                      " WHERE markdown = 0 AND target != ''"
                      " AND NOT EXISTS (SELECT 1 FROM temp.link_keys s WHERE s.key = links.key AND s.shared)"
                      " AND dst IS NOT (SELECT path FROM temp.link_keys u WHERE u.key = links.key)")
            shared = "l.key IN (SELECT key FROM temp.link_keys WHERE shared)"
        else:
            c.execute(NAMES_TABLE)
            c.execute("CREATE INDEX IF NOT EXISTS temp.link_names_key ON link_names (key, path)")
            lost = list(lost)
            for i in range(0, len(lost), 500):
                part = lost[i:i + 500]
                c.execute(f"UPDATE links SET dst = NULL WHERE target != '' AND dst IN ({','.join('?' * len(part))})",
                          part)
            # The wikilinks file_names left unresolved (a [[#heading]] into its own note aside)
            # whose name one file answers to, each looked up in the names by its key: no table
            # of every key (a GROUP BY of all the names) for the fifth of the links left.
            c.execute("UPDATE links SET dst = (SELECT CASE WHEN min(n.path) = max(n.path) THEN min(n.path) END"
                      " FROM temp.link_names n WHERE n.key = links.key)"
                      " WHERE dst IS NULL AND markdown = 0 AND target != ''"
                      " AND key IN (SELECT key FROM temp.link_names)")
            # Still unresolved with a name: a name several files answer to.
            shared = "l.dst IS NULL AND l.key IN (SELECT key FROM temp.link_names)"
        # The rest need the tie rules (shared names) or their folder (markdown links): page by page.
        last = 0
        q = ("SELECT l.id, n.path, l.target, l.key, l.markdown, l.dst FROM links l JOIN notes n ON n.id = l.src"
             f" WHERE l.id > ? AND l.target != '' AND (l.markdown = 1 OR ({shared})) ORDER BY l.id LIMIT ?")
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
        c.execute("DROP TABLE IF EXISTS temp.link_keys")
        if names is None:
            c.execute("DROP TABLE IF EXISTS temp.link_names")


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
