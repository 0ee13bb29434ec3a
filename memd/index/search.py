"""Full-text search over the index: FTS5 BM25 with title, alias, heading and body weights.

The query is the user's words, each quoted (so FTS syntax in a query is just text), all
required; the last word is a prefix (search as you type). When every word together finds too
little, any-word matches fill the rest. Results are one per note, best chunk first.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)
WEIGHTS = (10.0, 8.0, 3.0, 1.0)  # title, aliases, heading, body
MARK_OPEN, MARK_CLOSE = "«", "»"


def fts_query(text: str, *, any_word: bool = False) -> str | None:
    words = _WORD.findall(text)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
    return (" OR " if any_word else " ").join(quoted)


def search(conn: sqlite3.Connection, query: str, *, limit: int = 10, kind: str | None = None,
           path_prefix: str | None = None) -> list[dict[str, Any]]:
    hits: dict[str, dict[str, Any]] = {}
    for any_word in (False, True):
        match = fts_query(query, any_word=any_word)
        if match is None:
            return []
        where, params = ["fts MATCH ?"], [match]
        if kind:
            where.append("n.kind = ?")
            params.append(kind)
        if path_prefix:
            where.append("n.path >= ? AND n.path < ?")
            params += [path_prefix, path_prefix + "\U0010ffff"]
        sql = (
            "SELECT n.path, n.title, n.kind, c.heading, c.start_line, c.end_line,"
            f" bm25(fts, {', '.join(map(str, WEIGHTS))}) AS score,"
            f" snippet(fts, 3, '{MARK_OPEN}', '{MARK_CLOSE}', ' … ', 16) AS snippet"
            " FROM fts JOIN chunks c ON c.id = fts.rowid JOIN notes n ON n.id = c.note_id"
            f" WHERE {' AND '.join(where)} ORDER BY score LIMIT ?"
        )
        params.append(limit * 4)
        for row in conn.execute(sql, params):
            if row["path"] in hits:
                continue
            hits[row["path"]] = {
                "path": row["path"],
                "title": row["title"],
                "kind": row["kind"],
                "heading": row["heading"],
                "lines": [row["start_line"], row["end_line"]],
                "score": round(-row["score"], 4),
                "snippet": row["snippet"],
                "match": "all" if not any_word else "any",
            }
            if len(hits) >= limit:
                break
        if len(hits) >= limit or len(_WORD.findall(query)) < 2:
            break
    return list(hits.values())[:limit]
