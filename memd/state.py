"""The state database: what `memd reindex` must never drop.

The journal (every applied operation, with its hunks, so `memd undo` and `memd why` work), the
review queue (operations parked because they would overwrite a hand-written line), the lines
memd wrote per file (how a hand edit is told apart from memd's own text) and a small key/value
store. Other modules (the extraction buffer, the import ledger) add their own tables here via
`Database.ensure_schema`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from memd.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    batch TEXT,
    op TEXT NOT NULL,
    args TEXT NOT NULL,
    path TEXT NOT NULL,
    entity TEXT,
    key TEXT,
    source_kind TEXT NOT NULL,
    source_ref TEXT,
    source_detail TEXT,
    hash_before TEXT,
    hash_after TEXT,
    change TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'applied',
    undo_of INTEGER,
    owned_added TEXT NOT NULL DEFAULT '[]',
    owned_removed TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS journal_pending ON journal(status) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS journal_path ON journal(path, id);
CREATE INDEX IF NOT EXISTS journal_ts ON journal(ts);
CREATE TABLE IF NOT EXISTS owned_lines (
    path TEXT NOT NULL,
    line_hash TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (path, line_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS review (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    path TEXT NOT NULL,
    entity TEXT,
    key TEXT,
    op TEXT NOT NULL,
    args TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    current TEXT,
    proposed TEXT,
    granted TEXT NOT NULL DEFAULT '[]',
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    resolved_ts TEXT,
    journal_id INTEGER
);
CREATE INDEX IF NOT EXISTS review_status ON review(status, id);
CREATE INDEX IF NOT EXISTS review_fp ON review(fingerprint);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Version 2: the journal became write-ahead (ownership applied on commit); review items keep the
# exact lines they showed.
MIGRATIONS = {
    2: """
ALTER TABLE journal ADD COLUMN owned_added TEXT NOT NULL DEFAULT '[]';
ALTER TABLE journal ADD COLUMN owned_removed TEXT NOT NULL DEFAULT '[]';
CREATE INDEX IF NOT EXISTS journal_pending ON journal(status) WHERE status = 'pending';
ALTER TABLE review ADD COLUMN granted TEXT NOT NULL DEFAULT '[]'
""",
}


def dumps(value: Any) -> str:
    """JSON for the database. ASCII escapes keep undecodable bytes (surrogate escapes from a
    file that is not valid UTF-8) intact: SQLite cannot store them raw, and undo needs them exact."""
    return json.dumps(value, ensure_ascii=True)


def db_text(text: str | None) -> str | None:
    """A display string safe for SQLite (undecodable bytes shown as U+FFFD)."""
    if text is None:
        return None
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def added_lines(change: dict[str, Any]) -> list[str]:
    """The lines a journal entry's change put in its file: its hunks' new lines, or the whole
    content of a file it created."""
    added = [line for hunk in change.get("hunks", []) for line in hunk["new"]]
    if change.get("created") and "content" in change:
        added += change["content"].split("\n")
    return added


def line_hash(line: str) -> str:
    return hashlib.sha1(line.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Source:
    """Where an operation came from: shown by `memd why` and `memd log`."""

    kind: str  # cli | remember | ingest | import:chatgpt | undo | review | ...
    ref: str | None = None  # stream id, conversation id, journal id...
    detail: str | None = None  # the sentence or turn text it was read from (truncated)
    link: str | None = None  # a vault link to the exact turn, e.g. "[[memory-sources/...#^t12]]"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Source":
        return cls(d.get("kind", "unknown"), d.get("ref"), d.get("detail"), d.get("link"))


class StateDB(Database):
    def __init__(self, path: Path):
        super().__init__(path)
        self.ensure_schema("state", 2, SCHEMA, MIGRATIONS)

    # -- line ownership ------------------------------------------------------------------------
    def owned_counts(self, path: str) -> Counter:
        with self.read() as c:
            rows = c.execute("SELECT line_hash, count FROM owned_lines WHERE path = ?", (path,)).fetchall()
        return Counter({r[0]: r[1] for r in rows})

    @staticmethod
    def _adjust_owned(c: sqlite3.Connection, path: str, added: Iterable[str], removed: Iterable[str]) -> None:
        delta: Counter = Counter()
        for line in added:
            if line.strip():
                delta[line_hash(line)] += 1
        for line in removed:
            if line.strip():
                delta[line_hash(line)] -= 1
        for h, d in delta.items():
            if d == 0:
                continue
            c.execute(
                "INSERT INTO owned_lines (path, line_hash, count) VALUES (?, ?, MAX(?, 0)) "
                "ON CONFLICT(path, line_hash) DO UPDATE SET count = MAX(count + ?, 0)",
                (path, h, d, d),
            )
        c.execute("DELETE FROM owned_lines WHERE path = ? AND count <= 0", (path,))

    def prune_owned(self, path: str, present_lines: Iterable[str]) -> None:
        """Forget ownership of lines no longer in the file (the user edited or removed them), so a
        line the user later types with the same text is theirs, not memd's."""
        present = Counter(line_hash(l) for l in present_lines if l.strip())
        owned = self.owned_counts(path)
        changes = {h: min(n, present.get(h, 0)) for h, n in owned.items() if present.get(h, 0) < n}
        if not changes:
            return
        with self.tx() as c:
            for h, n in changes.items():
                if n <= 0:
                    c.execute("DELETE FROM owned_lines WHERE path = ? AND line_hash = ?", (path, h))
                else:
                    c.execute("UPDATE owned_lines SET count = ? WHERE path = ? AND line_hash = ?", (n, path, h))

    def forget_file(self, path: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM owned_lines WHERE path = ?", (path,))

    # -- journal (write-ahead) -------------------------------------------------------------------
    # An operation is journaled as `pending` before its file is replaced and marked `applied`
    # (with the ownership of its lines) right after. A crash in between is settled when memd next
    # opens the vault (`recover`): if the file holds what the entry says it wrote, the entry is
    # completed; if not, it is marked `failed`. Either way no memd line goes un-journaled.
    def begin(
        self,
        *,
        op: str,
        args: dict[str, Any],
        path: str,
        source: Source,
        change: dict[str, Any],
        hash_before: str | None,
        hash_after: str | None,
        added: list[str],
        removed: list[str],
        entity: str | None = None,
        key: str | None = None,
        batch: str | None = None,
        undo_of: int | None = None,
    ) -> int:
        with self.tx() as c:
            cur = c.execute(
                "INSERT INTO journal (ts, batch, op, args, path, entity, key, source_kind, source_ref,"
                " source_detail, hash_before, hash_after, change, undo_of, status, owned_added, owned_removed)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'pending',?,?)",
                (now_iso(), batch, op, dumps(args), path, db_text(entity), db_text(key), source.kind,
                 db_text(source.ref), dumps(source.to_json()), hash_before, hash_after, dumps(change), undo_of,
                 dumps(added), dumps(removed)),
            )
            return int(cur.lastrowid)

    def commit(self, entry_id: int) -> None:
        """The file now holds the entry's content: apply its ownership changes and mark it applied."""
        with self.tx() as c:
            row = c.execute("SELECT path, undo_of, owned_added, owned_removed, status FROM journal WHERE id = ?",
                            (entry_id,)).fetchone()
            if row is None or row["status"] != "pending":
                return
            self._adjust_owned(c, row["path"], json.loads(row["owned_added"]), json.loads(row["owned_removed"]))
            c.execute("UPDATE journal SET status = 'applied' WHERE id = ?", (entry_id,))
            if row["undo_of"] is not None:
                c.execute("UPDATE journal SET status = 'undone' WHERE id = ?", (row["undo_of"],))

    def fail(self, entry_id: int) -> None:
        with self.tx() as c:
            c.execute("UPDATE journal SET status = 'failed' WHERE id = ? AND status = 'pending'", (entry_id,))

    def pending(self) -> list[dict[str, Any]]:
        with self.read() as c:
            return [_journal_dict(r) for r in c.execute("SELECT * FROM journal WHERE status = 'pending' ORDER BY id")]

    def record(self, **kwargs: Any) -> int:
        """Journal an operation whose file write has already happened (begin + commit)."""
        entry_id = self.begin(**kwargs)
        self.commit(entry_id)
        return entry_id

    def journal_entry(self, entry_id: int) -> dict[str, Any] | None:
        with self.read() as c:
            row = c.execute("SELECT * FROM journal WHERE id = ?", (entry_id,)).fetchone()
        return _journal_dict(row) if row else None

    def journal(
        self,
        *,
        path: str | None = None,
        since: str | None = None,
        key: str | None = None,
        limit: int = 50,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        where, params = [], []
        if path:
            where.append("path = ?")
            params.append(path)
        if since:
            where.append("ts >= ?")
            params.append(since)
        if key:
            where.append("key = ?")
            params.append(key)
        sql = "SELECT * FROM journal"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'} LIMIT ?"
        params.append(limit)
        with self.read() as c:
            return [_journal_dict(r) for r in c.execute(sql, params)]

    def later_entries(self, path: str, after_id: int) -> list[dict[str, Any]]:
        with self.read() as c:
            rows = c.execute(
                "SELECT * FROM journal WHERE path = ? AND id > ? AND status = 'applied' ORDER BY id", (path, after_id)
            ).fetchall()
        return [_journal_dict(r) for r in rows]

    # -- review queue --------------------------------------------------------------------------
    def park(
        self,
        *,
        path: str,
        op: str,
        args: dict[str, Any],
        source: Source,
        reason: str,
        current: str | None,
        proposed: str | None,
        entity: str | None,
        key: str | None,
    ) -> tuple[int, bool]:
        """Queue an operation for review; (id, created). The same proposal is never queued twice,
        and one the user already rejected is not asked again."""
        # The same proposal read from another turn is the same proposal: its source link aside.
        same = {k: v for k, v in args.items() if k != "source_link"}
        fp = hashlib.sha1(json.dumps([path, op, same], sort_keys=True).encode()).hexdigest()
        with self.tx() as c:
            row = c.execute(
                "SELECT id FROM review WHERE fingerprint = ? AND current IS ? AND status IN ('pending', 'rejected')"
                " ORDER BY id DESC", (fp, db_text(current)),
            ).fetchone()
            if row:
                return int(row[0]), False
            granted = [l for l in (current or "").split("\n") if l.strip()]
            cur = c.execute(
                "INSERT INTO review (ts, path, entity, key, op, args, source, reason, current, proposed, granted,"
                " fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (now_iso(), path, db_text(entity), db_text(key), op, dumps(args), dumps(source.to_json()), reason,
                 db_text(current), db_text(proposed), dumps(granted), fp),
            )
            return int(cur.lastrowid), True

    def review_items(self, status: str | None = "pending", limit: int = 200) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM review", []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        with self.read() as c:
            return [_review_dict(r) for r in c.execute(sql, params)]

    def review_item(self, item_id: int) -> dict[str, Any] | None:
        with self.read() as c:
            row = c.execute("SELECT * FROM review WHERE id = ?", (item_id,)).fetchone()
        return _review_dict(row) if row else None

    def resolve_review(self, item_id: int, status: str, journal_id: int | None = None) -> None:
        with self.tx() as c:
            c.execute(
                "UPDATE review SET status = ?, resolved_ts = ?, journal_id = ? WHERE id = ?",
                (status, now_iso(), journal_id, item_id),
            )

    def reopen_review(self, journal_id: int) -> list[int]:
        """`memd undo` of the write that accepted a review item: the item is pending again."""
        with self.tx() as c:
            ids = [r[0] for r in c.execute("SELECT id FROM review WHERE journal_id = ? AND status = 'accepted'",
                                           (journal_id,))]
            for item_id in ids:
                c.execute("UPDATE review SET status = 'pending', resolved_ts = ?, journal_id = NULL WHERE id = ?",
                          (now_iso(), item_id))
        return ids

    def review_signature(self) -> str:
        """Changes whenever an item is queued, resolved or reopened (the review note's cue)."""
        with self.read() as c:
            row = c.execute("SELECT COUNT(*), MAX(id), MAX(resolved_ts), SUM(status = 'pending') FROM review").fetchone()
        return json.dumps(list(row))

    def review_counts(self) -> dict[str, int]:
        with self.read() as c:
            return {r[0]: r[1] for r in c.execute("SELECT status, COUNT(*) FROM review GROUP BY status")}

    # -- key/value -----------------------------------------------------------------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        with self.read() as c:
            row = c.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set(self, key: str, value: str) -> None:
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    def counts(self) -> dict[str, int]:
        with self.read() as c:
            return {
                "journal": c.execute("SELECT COUNT(*) FROM journal").fetchone()[0],
                "review_pending": c.execute("SELECT COUNT(*) FROM review WHERE status = 'pending'").fetchone()[0],
            }


def _journal_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["args"] = json.loads(d["args"])
    d["change"] = json.loads(d["change"])
    d["source"] = json.loads(d.pop("source_detail") or "{}")
    d.pop("owned_added", None)
    d.pop("owned_removed", None)
    return d


def _review_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["args"] = json.loads(d["args"])
    d["source"] = json.loads(d["source"])
    d["granted"] = json.loads(d["granted"])
    d.pop("fingerprint", None)
    return d
