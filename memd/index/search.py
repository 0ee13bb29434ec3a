"""Full-text search over the index: FTS5 BM25 with title, alias, heading and body weights.

The query is the user's words, each quoted (so FTS syntax in a query is just text), all
required; the last word is a prefix (search as you type). When every word together finds too
little, any-word matches fill the rest. Results are one per note, best chunk first.

Cost control, measured on a 10k-note vault (bench/index_bench.py): BM25 costs a few µs per
matching chunk and a snippet far more, so
  - candidates are ranked without snippets; snippets are made for the final hits only;
  - a query whose words are in more than BROAD chunks (stop-word-like: "the", "notes") is not
    BM25-ranked over all of them: notes whose title or alias matches come first (a note-level
    table, ten times smaller), then body matches in index order, which SQLite can stop early.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)
WEIGHTS = (10.0, 8.0, 3.0, 1.0)  # title, aliases, heading, body
NAME_WEIGHTS = (10.0, 8.0)
MARK_OPEN, MARK_CLOSE = "«", "»"
BROAD = 1000  # matching chunks beyond which a query is treated as stop-word-like


def fts_query(text: str, *, any_word: bool = False, prefix: bool = True) -> str | None:
    words = _WORD.findall(text)
    if not words:
        return None
    last = f'"{words[-1]}"' + ("*" if prefix and len(words[-1]) >= 2 else "")
    quoted = [f'"{w}"' for w in words[:-1]] + [last]
    return (" OR " if any_word else " ").join(quoted)


def _filters(kind: str | None, path_prefix: str | None) -> tuple[str, list[Any]]:
    where, params = "", []
    if kind:
        where += " AND n.kind = ?"
        params.append(kind)
    if path_prefix:
        where += " AND n.path >= ? AND n.path < ?"
        params += [path_prefix, path_prefix + "\U0010ffff"]
    return where, params


_HIT_COLUMNS = "fts.rowid, n.id, n.path, n.title, n.kind, c.heading, c.start_line, c.end_line"


def _ranked(conn: sqlite3.Connection, match: str, want: int, where: str, params: list[Any]) -> list[tuple]:
    weights = ", ".join(map(str, WEIGHTS))
    if not where:
        # Rank inside FTS alone, then join only the top rows: joining every match before the
        # sort costs more than the ranking itself.
        sql = (f"SELECT {_HIT_COLUMNS.replace('fts.rowid', 'f.rowid')}, f.score FROM"
               f" (SELECT rowid, bm25(fts, {weights}) AS score FROM fts WHERE fts MATCH ? ORDER BY score LIMIT ?) f"
               " JOIN chunks c ON c.id = f.rowid JOIN notes n ON n.id = c.note_id ORDER BY f.score")
        return [(*row[:8], -row[8]) for row in conn.execute(sql, [match, want])]
    sql = (f"SELECT {_HIT_COLUMNS}, bm25(fts, {weights}) AS score"
           " FROM fts JOIN chunks c ON c.id = fts.rowid JOIN notes n ON n.id = c.note_id"
           f" WHERE fts MATCH ?{where} ORDER BY score LIMIT ?")
    return [(*row[:8], -row[8]) for row in conn.execute(sql, [match, *params, want])]


def _broad(conn: sqlite3.Connection, match: str, want: int, where: str, params: list[Any]) -> list[tuple]:
    """Stop-word-like queries: title/alias matches ranked, then body matches unranked."""
    out: list[tuple] = []
    names_sql = (f"SELECT n.id, bm25(fts_names, {', '.join(map(str, NAME_WEIGHTS))}) AS score FROM fts_names"
                 f" JOIN notes n ON n.id = fts_names.rowid WHERE fts_names MATCH ?{where} ORDER BY score LIMIT ?")
    first_chunk = ("SELECT c.id, n.id, n.path, n.title, n.kind, c.heading, c.start_line, c.end_line FROM chunks c"
                   " JOIN notes n ON n.id = c.note_id WHERE c.note_id = ? ORDER BY c.start_line LIMIT 1")
    for nid, score in conn.execute(names_sql, [match, *params, want]).fetchall():
        row = conn.execute(first_chunk, (nid,)).fetchone()
        if row:
            out.append((*row, -score))
    body_sql = (f"SELECT {_HIT_COLUMNS} FROM fts JOIN chunks c ON c.id = fts.rowid JOIN notes n ON n.id = c.note_id"
                f" WHERE fts MATCH ?{where} LIMIT ?")
    out += [(*row, 0.0) for row in conn.execute(body_sql, [match, *params, want])]
    return out


def _capped_count(conn: sqlite3.Connection, match: str) -> int:
    """How many chunks match, counted only up to BROAD (cheap: no ranking, stops early)."""
    return conn.execute("SELECT count(*) FROM (SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?)",
                        (match, BROAD)).fetchone()[0]


def search(conn: sqlite3.Connection, query: str, *, limit: int = 10, kind: str | None = None,
           path_prefix: str | None = None) -> list[dict[str, Any]]:
    # One read transaction: every statement below sees the same snapshot, even while another
    # thread re-indexes (otherwise a chunk ranked here could be gone when its row is read).
    conn.execute("BEGIN")
    try:
        return _search(conn, query, limit, kind, path_prefix)
    finally:
        conn.execute("COMMIT")


def _search(conn: sqlite3.Connection, query: str, limit: int, kind: str | None,
            path_prefix: str | None) -> list[dict[str, Any]]:
    where, params = _filters(kind, path_prefix)
    picked: dict[int, tuple[tuple, str, str]] = {}  # note id -> (hit row, match label, fts query)
    words = _WORD.findall(query)
    n_words = len(words)
    # A prefix of four letters or more is not in the prefix index, so FTS merges the lists of
    # every word it starts; for a common last word that costs ~20 ms per statement. If the word
    # alone is already in BROAD chunks, the prefix can only be broader: match it whole (one
    # cheap capped count decides).
    prefix = not (words and len(words[-1]) >= 4 and _capped_count(conn, f'"{words[-1]}"') >= BROAD)
    for any_word in (False, True):
        match = fts_query(query, any_word=any_word, prefix=prefix)
        if match is None:
            return []
        count = _capped_count(conn, match)
        if count >= BROAD:
            # A last word that, as a prefix, is in a thousand chunks narrows nothing: match it whole.
            match = fts_query(query, any_word=any_word, prefix=False) or match
            count = _capped_count(conn, match)
        if count:
            finder = _broad if count >= BROAD else _ranked
            label = ("any" if any_word else "all") + ("-broad" if count >= BROAD else "")
            for row in finder(conn, match, limit * 4, where, params):
                if row[1] not in picked:
                    picked[row[1]] = (row, label, match)
                    if len(picked) >= limit:
                        break
        if len(picked) >= limit or n_words < 2:
            break
    snippets = _snippets(conn, picked.values())
    return [{
        "path": row[2], "title": row[3], "kind": row[4], "heading": row[5], "lines": [row[6], row[7]],
        "score": round(row[8], 4), "snippet": snippets.get(row[0], ""), "match": label.split("-")[0],
        "broad": label.endswith("broad"),
    } for row, label, _ in picked.values()]


def _snippets(conn: sqlite3.Connection, hits: Any) -> dict[int, str]:
    """Snippets for the final hits only, one statement per distinct query."""
    by_match: dict[str, list[int]] = {}
    for row, _, match in hits:
        by_match.setdefault(match, []).append(row[0])
    out: dict[int, str] = {}
    for match, ids in by_match.items():
        sql = (f"SELECT rowid, snippet(fts, 3, '{MARK_OPEN}', '{MARK_CLOSE}', ' … ', 16) FROM fts"
               f" WHERE fts MATCH ? AND rowid IN ({','.join('?' * len(ids))})")
        out.update(conn.execute(sql, [match, *ids]).fetchall())
    return out
