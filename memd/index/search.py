"""Full-text search over the index: FTS5 BM25 over search units (turns, fact lines, sections).

A hit is a unit a person can use: one transcript turn, one memory fact line, one note section
(memd.index.units, memd.index.parse). Several hits may come from one note; `group=True` keeps
the best hit of each note.

How a query becomes an FTS5 query (memd.index.query_terms): question phrasing and stop words are
dropped when other words remain, every word is quoted (FTS syntax in a query is just text), and
the last word is a prefix (search as you type). A short query first asks for all its words and
then fills with any word; a question (many words) is ranked by BM25 over any of its words at
once, since a turn that answers a question seldom repeats all of it.

Cost control, measured on a 10k-note vault (bench/index_bench.py): BM25 costs a few µs per
matching chunk and a snippet far more, so
  - candidates are ranked without snippets; snippets are made for the final hits only;
  - a word found in more than BROAD chunks narrows nothing and costs the most: it is dropped
    from an any-word query when rarer words remain;
  - a query whose words are all that common is not BM25-ranked over all of them: notes whose
    title or alias matches come first (a note-level table, ten times smaller), then body matches
    in index order, which SQLite can stop early;
  - snippets are cut in Python from the unit's text, fetched anyway: asking FTS5 for snippet()
    ran the whole MATCH a second time, which was half of a search's time;
  - the index has no prefix index (it made every insert ~30 % dearer): a last word is a prefix
    from MIN_PREFIX letters on, and a search that runs past DEADLINE_S (a short prefix of
    thousands of words) is interrupted and asked again with its words whole, so no request holds
    a thread of the daemon for long.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from memd.index.query_terms import QueryTerms, parse_query

# title, aliases, heading (a turn's speaker), body, context (a turn's neighbours)
WEIGHTS = (10.0, 8.0, 3.0, 1.0, 0.5)
NAME_WEIGHTS = (10.0, 8.0)
MARK_OPEN, MARK_CLOSE = "«", "»"
BROAD = 1000  # matching chunks beyond which a word or query is treated as stop-word-like
SHORT_QUERY = 3  # up to this many words: all words first, then any word
GROUP_MAX_CANDIDATES = 200_000  # grouped search stops widening here (a bound on its work)
PERIOD_BOOST = 1.5  # score factor for a turn from the period the query names
SHARED_COUNTS = 20_000  # word counts kept across searches (cleared when full, and on any index change)
MIN_PREFIX = 3  # a shorter last word is matched whole (a one- or two-letter prefix matches most of a vault)
DEADLINE_S = 0.25  # a search past this is interrupted and asked again without the prefix
SNIPPET_CHARS = 120  # about 16 words around the first match, like FTS5's snippet(..., 16)
SNIPPET_LEAD = 30  # of which before the match


def _quote(words: list[str], prefix_last: bool) -> list[str]:
    out = [f'"{w}"' for w in words]
    if out and prefix_last and len(words[-1]) >= MIN_PREFIX:
        out[-1] += "*"
    return out


def _filters(kind: str | None, path_prefix: str | None) -> tuple[str, list[Any]]:
    where, params = "", []
    if kind:
        where += " AND n.kind = ?"
        params.append(kind)
    if path_prefix:
        where += " AND n.path >= ? AND n.path < ?"
        params += [path_prefix, path_prefix + "\U0010ffff"]
    return where, params


_HIT_COLUMNS = ("fts.rowid, n.id, n.path, n.title, n.kind, c.heading, c.start_line, c.end_line,"
                " c.block, c.speaker, c.time, c.source_id")
_N = 12  # columns before the score


def _ranked(conn: sqlite3.Connection, match: str, want: int, where: str, params: list[Any]) -> list[tuple]:
    weights = ", ".join(map(str, WEIGHTS))
    if not where:
        # Rank inside FTS alone, then join only the top rows: joining every match before the
        # sort costs more than the ranking itself.
        sql = (f"SELECT {_HIT_COLUMNS.replace('fts.rowid', 'f.rowid')}, f.score FROM"
               f" (SELECT rowid, bm25(fts, {weights}) AS score FROM fts WHERE fts MATCH ? ORDER BY score LIMIT ?) f"
               " JOIN chunks c ON c.id = f.rowid JOIN notes n ON n.id = c.note_id ORDER BY f.score")
        return [(*row[:_N], -row[_N]) for row in conn.execute(sql, [match, want])]
    sql = (f"SELECT {_HIT_COLUMNS}, bm25(fts, {weights}) AS score"
           " FROM fts JOIN chunks c ON c.id = fts.rowid JOIN notes n ON n.id = c.note_id"
           f" WHERE fts MATCH ?{where} ORDER BY score LIMIT ?")
    return [(*row[:_N], -row[_N]) for row in conn.execute(sql, [match, *params, want])]


def _broad(conn: sqlite3.Connection, match: str, want: int, where: str, params: list[Any]) -> list[tuple]:
    """Stop-word-like queries: title/alias matches ranked, then body matches unranked."""
    # Each matching note's first unit, in one statement (a statement per note cost more than the match).
    names_sql = (f"SELECT {_HIT_COLUMNS.replace('fts.rowid', 'c.id')}, h.score FROM"
                 f" (SELECT n.id, bm25(fts_names, {', '.join(map(str, NAME_WEIGHTS))}) AS score FROM fts_names"
                 f" JOIN notes n ON n.id = fts_names.rowid WHERE fts_names MATCH ?{where} ORDER BY score LIMIT ?) h"
                 " JOIN notes n ON n.id = h.id"
                 " JOIN chunks c ON c.id = (SELECT id FROM chunks WHERE note_id = h.id ORDER BY start_line LIMIT 1)"
                 " ORDER BY h.score")
    out = [(*row[:_N], -row[_N]) for row in conn.execute(names_sql, [match, *params, want])]
    body_sql = (f"SELECT {_HIT_COLUMNS} FROM fts JOIN chunks c ON c.id = fts.rowid JOIN notes n ON n.id = c.note_id"
                f" WHERE fts MATCH ?{where} LIMIT ?")
    out += [(*row, 0.0) for row in conn.execute(body_sql, [match, *params, want])]
    return out


def _capped_count(conn: sqlite3.Connection, match: str) -> int:
    """How many chunks match, counted only up to BROAD (cheap: no ranking, stops early)."""
    return conn.execute("SELECT count(*) FROM (SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?)",
                        (match, BROAD)).fetchone()[0]


def search(conn: sqlite3.Connection, query: str, *, limit: int = 10, kind: str | None = None,
           path_prefix: str | None = None, group: bool = False, period: str | None = None,
           counts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """`period` ("2023", "2023-05", "2023-05-07"): among the candidates, turns from then rank
    first (PERIOD_BOOST), so "what did Anna say in May 2023" prefers May 2023's turns."""
    # One read transaction: every statement below sees the same snapshot, even while another
    # thread re-indexes (otherwise a chunk ranked here could be gone when its row is read).
    terms = parse_query(query)
    conn.execute("BEGIN")
    try:
        if not terms.prefix_last:
            return _search(conn, terms, limit, kind, path_prefix, group, period, counts)
        deadline = time.monotonic() + DEADLINE_S
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 20_000)
        try:
            return _search(conn, terms, limit, kind, path_prefix, group, period, counts)
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc):
                raise
        finally:
            conn.set_progress_handler(None, 0)
        # The prefix matched too many words to rank in time: the words as typed, whole.
        if not conn.in_transaction:
            conn.execute("BEGIN")
        whole = QueryTerms(terms.words, prefix_last=False, dropped=terms.dropped)
        return _search(conn, whole, limit, kind, path_prefix, group, period, counts)
    finally:
        conn.execute("COMMIT")


class _Counts(dict):
    """Capped match counts within one search: each FTS query is counted at most once. `shared`:
    counts kept across searches while the index is unchanged (memd.index.result_cache): the same
    words come back in query after query, and counting them was a statement each."""

    def __init__(self, conn: sqlite3.Connection, shared: dict[str, int] | None = None):
        super().__init__()
        self.conn = conn
        self.shared = shared

    def __missing__(self, match: str) -> int:
        n = self.shared.get(match) if self.shared is not None else None
        if n is None:
            n = _capped_count(self.conn, match)
            if self.shared is not None:
                if len(self.shared) >= SHARED_COUNTS:
                    self.shared.clear()
                self.shared[match] = n
        self[match] = n
        return n


def _plans(counts: _Counts, terms: QueryTerms) -> Iterator[tuple[str, str, bool | None]]:
    """(label, FTS query, broad) to try in order until enough hits are found; broad None: decide
    by counting the query's matches. A generator: a later plan's counting is only paid for when
    the earlier plans did not find enough."""
    words = terms.words
    if not words:
        return
    prefix = terms.prefix_last
    if prefix and len(words[-1]) >= MIN_PREFIX and counts[f'"{words[-1]}"'] >= BROAD:
        # A prefix makes FTS merge the lists of every word it starts; when the word alone is
        # already in BROAD chunks, the prefix can only be broader: match it whole.
        prefix = False
    quoted = _quote(words, prefix)
    if len(words) == 1:
        n = counts[quoted[0]]
        if n:
            yield "all", quoted[0], n >= BROAD
        return
    if len(words) <= SHORT_QUERY:
        # All words: no more matches than its rarest word has, so the words' own counts decide
        # (kept across searches); the combination is counted only when every word is common.
        bound = min(counts[q] for q in quoted)
        if bound:
            yield "all", " ".join(quoted), None if bound >= BROAD else False
    # Any word, ranked by BM25 over the words that discriminate: a word in BROAD chunks or more
    # adds almost nothing to a score and costs the most to rank. Only when every word is that
    # common is the query stop-word-like (unranked body matches after title matches).
    rare = [q for q in quoted if counts[q] < BROAD]
    if rare:
        yield "any", " OR ".join(rare), False
    if len(rare) < len(quoted):
        # Filling up with the common words too: ranked only if that stays under BROAD matches
        # (ranking a common prefix's ten thousand chunks costs ~20 ms and adds little).
        yield "any", " OR ".join(quoted), None if rare else True


def _search(conn: sqlite3.Connection, terms: QueryTerms, limit: int, kind: str | None,
            path_prefix: str | None, group: bool, period: str | None = None,
            shared_counts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    where, params = _filters(kind, path_prefix)
    final = limit
    if period:
        limit = limit * 4 + 20  # candidates to re-rank by their time
    picked: dict[int, tuple[tuple, str, str]] = {}  # chunk id -> (hit row, match label, fts query)
    seen_notes: set[int] = set()
    counts = _Counts(conn, shared_counts)
    for label, match, broad in _plans(counts, terms):
        if broad is None:
            count = counts[match]
            if not count:
                continue
            broad = count >= BROAD
        finder = _broad if broad else _ranked
        want = limit * (8 if group else 2) + 10
        while True:
            rows = finder(conn, match, want, where, params)
            for row in rows:
                if row[0] in picked or (group and row[1] in seen_notes):
                    continue
                picked[row[0]] = (row, label + ("-broad" if broad else ""), match)
                seen_notes.add(row[1])
                if len(picked) >= limit:
                    break
            # Grouped: the best chunks may all share a few notes (a long conversation); ask for
            # more until enough notes or no more matches, so -n N still gives N when N exist.
            if not group or len(picked) >= limit or len(rows) < want or want >= GROUP_MAX_CANDIDATES:
                break
            want *= 4
        if len(picked) >= limit:
            break
    hits = list(picked.values())
    if period:
        hits.sort(key=lambda h: -h[0][_N] * (PERIOD_BOOST if (h[0][10] or "").startswith(period) else 1.0))
        hits = hits[:final]
    texts = _texts(conn, [row[0] for row, _, _ in hits])
    stems = _marker(terms)
    return [_hit(row, label, texts.get(row[0], ""), _snippet(texts.get(row[0], ""), stems))
            for row, label, _ in hits]


def _hit(row: tuple, label: str, text: str, snippet: str) -> dict[str, Any]:
    path, block, heading = row[2], row[8], row[5]
    stem = path[:-3] if path.lower().endswith(".md") else path
    if block:
        link = f"[[{stem}#^{block}]]"
    elif heading:
        link = f"[[{stem}#{heading}]]"
    else:
        link = f"[[{stem}]]"
    hit: dict[str, Any] = {
        "path": path, "title": row[3], "kind": row[4], "heading": heading, "lines": [row[6], row[7]],
        "text": text, "score": round(row[_N], 4), "snippet": snippet, "link": link,
        "match": label.split("-")[0], "broad": label.endswith("broad"),
    }
    if block or row[9]:
        hit["turns"] = [{"block": block, "source_id": row[11], "time": row[10], "speaker": row[9]}]
    return hit


def _texts(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    """The unit's own text (a turn, a fact line, a section), by chunk id: FTS keeps it."""
    if not ids:
        return {}
    sql = f"SELECT rowid, body FROM fts WHERE rowid IN ({','.join('?' * len(ids))})"
    return dict(conn.execute(sql, ids).fetchall())


_WORD_REST = re.compile(r"\w*")


def _marker(terms: QueryTerms) -> tuple[str, ...]:
    """What to mark in a snippet: words starting with one of these (lower case). The index stems
    with porter ("adopted" finds "adopt"), so a query word is matched by its first letters; the
    last word of a typed query is a prefix anyway."""
    stems = []
    for i, w in enumerate(terms.words):
        last_prefix = i == len(terms.words) - 1 and terms.prefix_last
        stems.append(w if len(w) <= 4 or last_prefix else w[:max(4, len(w) - 3)])
    return tuple(stems)


def _first_match(lower: str, stems: tuple[str, ...]) -> int:
    """Where the first word starting with a stem begins in `lower`, or -1."""
    best = -1
    for stem in stems:
        at = lower.find(stem)
        while at > 0 and (lower[at - 1].isalnum() or lower[at - 1] == "_"):
            at = lower.find(stem, at + 1)  # inside a word: look further
        if at >= 0 and (best < 0 or at < best):
            best = at
    return best


def _snippet(text: str, stems: tuple[str, ...]) -> str:
    """About SNIPPET_CHARS of `text` around its first match, cut at spaces, matches in « », cuts
    marked with " … " (the shape FTS5's snippet() gave). Found with str.find, not by tokenizing:
    a unit may be a 6,000-character section, and this runs for every hit returned."""
    if not text:
        return ""
    low = text.lower()
    at = max(0, _first_match(low, stems)) if stems else 0
    start = 0
    if at > SNIPPET_LEAD:
        cut = text.find(" ", at - SNIPPET_LEAD, at)
        start = cut + 1 if cut >= 0 else at
    end = len(text)
    if start + SNIPPET_CHARS < len(text):
        cut = text.rfind(" ", max(at + 1, start + SNIPPET_CHARS // 2), start + SNIPPET_CHARS)
        end = cut if cut > at else start + SNIPPET_CHARS
    marks: list[tuple[int, int]] = []
    for stem in stems:
        pos = low.find(stem, start, end)
        while pos >= 0:
            if pos == 0 or not (low[pos - 1].isalnum() or low[pos - 1] == "_"):
                word_end = min(_WORD_REST.match(low, pos + len(stem)).end(), end)
                marks.append((pos, word_end))
                pos = low.find(stem, word_end, end)
            else:
                pos = low.find(stem, pos + 1, end)
    out, pos = [], start
    for a, b in sorted(marks):
        if a < pos:
            continue  # inside a word already marked (two stems, one word)
        out += (text[pos:a], MARK_OPEN, text[a:b], MARK_CLOSE)
        pos = b
    out.append(text[pos:end])
    return ("" if start == 0 else " … ") + "".join(out) + ("" if end >= len(text) else " … ")
