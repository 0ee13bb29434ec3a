"""Per-stream memory of the loop, persisted in the state database (it survives restarts):
the recent turns (context for the next decision), the buffered turns waiting for more context,
and a record of every decision made.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from memd.extract.tools import Turn
from memd.state import StateDB, db_text, dumps, now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    stream TEXT PRIMARY KEY,
    last_activity TEXT NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    ended INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS stream_turns (
    id INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    buffered INTEGER NOT NULL,
    turn TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stream_turns_stream ON stream_turns(stream, buffered, id);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    stream TEXT NOT NULL,
    turn_id TEXT,
    tool TEXT NOT NULL,
    arguments TEXT NOT NULL,
    reasoning TEXT,
    searches INTEGER NOT NULL DEFAULT 0,
    final INTEGER NOT NULL DEFAULT 0,
    warnings TEXT NOT NULL DEFAULT '[]',
    journal_ids TEXT NOT NULL DEFAULT '[]',
    review_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS decisions_stream ON decisions(stream, id)
"""


def _turn_json(t: Turn) -> str:
    return dumps(asdict(t))


def _turn(raw: str) -> Turn:
    return Turn(**json.loads(raw))


def any_buffered(state: StateDB) -> bool:
    """Whether any stream has turns waiting in its buffer: the daemon's idle flush asks this
    before it builds a loop (and maybe loads a model) for nothing."""
    with state.read() as c:
        if not c.execute("SELECT 1 FROM sqlite_master WHERE name = 'stream_turns'").fetchone():
            return False  # the loop never ran on this vault
        return c.execute("SELECT 1 FROM stream_turns WHERE buffered = 1 LIMIT 1").fetchone() is not None


class StreamStore:
    def __init__(self, state: StateDB, window: int):
        self.state = state
        self.window = window
        state.ensure_schema("extract", 1, SCHEMA)

    def recent(self, stream: str) -> list[Turn]:
        with self.state.read() as c:
            rows = c.execute("SELECT turn FROM stream_turns WHERE stream = ? AND buffered = 0 ORDER BY id DESC LIMIT ?",
                             (stream, self.window)).fetchall()
        return [_turn(r[0]) for r in reversed(rows)]

    def buffered(self, stream: str) -> list[Turn]:
        with self.state.read() as c:
            rows = c.execute("SELECT turn FROM stream_turns WHERE stream = ? AND buffered = 1 ORDER BY id",
                             (stream,)).fetchall()
        return [_turn(r[0]) for r in rows]

    def add_turn(self, turn: Turn, *, buffered: bool) -> None:
        """Remember `turn` (as context, or in the buffer), keeping only the recent window."""
        with self.state.tx() as c:
            c.execute("INSERT INTO stream_turns (stream, buffered, turn) VALUES (?, ?, ?)",
                      (turn.stream, int(buffered), _turn_json(turn)))
            c.execute(
                "INSERT INTO streams (stream, last_activity, turns) VALUES (?, ?, 1) ON CONFLICT(stream) DO UPDATE"
                " SET last_activity = excluded.last_activity, turns = turns + 1, ended = 0",
                (turn.stream, now_iso()),
            )
            if not buffered:
                c.execute(
                    "DELETE FROM stream_turns WHERE stream = ? AND buffered = 0 AND id NOT IN"
                    " (SELECT id FROM stream_turns WHERE stream = ? AND buffered = 0 ORDER BY id DESC LIMIT ?)",
                    (turn.stream, turn.stream, self.window),
                )

    def unbuffer(self, stream: str, turn_ids: set[str] | None = None) -> None:
        """Move buffered turns (all, or those with `turn_ids`) back to plain context."""
        with self.state.tx() as c:
            rows = c.execute("SELECT id, turn FROM stream_turns WHERE stream = ? AND buffered = 1", (stream,)).fetchall()
            for row_id, raw in rows:
                if turn_ids is None or json.loads(raw).get("turn_id") in turn_ids:
                    c.execute("UPDATE stream_turns SET buffered = 0 WHERE id = ?", (row_id,))

    def end(self, stream: str) -> None:
        with self.state.tx() as c:
            c.execute("UPDATE streams SET ended = 1 WHERE stream = ?", (stream,))
            c.execute("DELETE FROM stream_turns WHERE stream = ? AND buffered = 0", (stream,))

    def idle_streams(self, older_than_iso: str) -> list[str]:
        with self.state.read() as c:
            rows = c.execute(
                "SELECT DISTINCT s.stream FROM streams s JOIN stream_turns t ON t.stream = s.stream AND t.buffered = 1"
                " WHERE s.last_activity < ?", (older_than_iso,)).fetchall()
        return [r[0] for r in rows]

    def streams_with_buffer(self) -> list[dict[str, Any]]:
        with self.state.read() as c:
            rows = c.execute(
                "SELECT s.stream, s.last_activity, COUNT(t.id) FROM streams s JOIN stream_turns t"
                " ON t.stream = s.stream AND t.buffered = 1 GROUP BY s.stream ORDER BY s.last_activity").fetchall()
        return [{"stream": r[0], "last_activity": r[1], "buffered": r[2]} for r in rows]

    def record_decision(self, *, stream: str, turn_id: str | None, tool: str, arguments: dict[str, Any],
                        reasoning: str | None, searches: int, final: bool, warnings: list[str],
                        journal_ids: list[int], review_ids: list[int], arguments_json: str | None = None) -> int:
        """`arguments_json`: dumps(arguments), when the caller has it already."""
        with self.state.tx() as c:
            cur = c.execute(
                "INSERT INTO decisions (ts, stream, turn_id, tool, arguments, reasoning, searches, final, warnings,"
                " journal_ids, review_ids) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (now_iso(), stream, db_text(turn_id), tool, arguments_json or dumps(arguments), db_text(reasoning),
                 searches, int(final), dumps(warnings), dumps(journal_ids), dumps(review_ids)),
            )
            return int(cur.lastrowid)

    def decisions(self, stream: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM decisions", []
        if stream:
            sql += " WHERE stream = ?"
            params.append(stream)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        with self.state.read() as c:
            rows = [dict(r) for r in c.execute(sql, params)]
        for r in rows:
            for k in ("arguments", "warnings", "journal_ids", "review_ids"):
                r[k] = json.loads(r[k])
        return rows


class MemoryStreamStore:
    """Stream state held in memory, for imports: an imported conversation is a whole stream that
    ends (and flushes its buffer) before the next starts, so nothing needs to survive a restart
    (an interrupted import re-runs the conversation, and facts already written are no-ops).
    Decisions are kept and written to the state database in one transaction by `save`.
    Without a `persistent` store (a planning loop in a worker process) nothing is ever saved."""

    def __init__(self, persistent: StreamStore | None, *, window: int | None = None):
        self.persistent = persistent
        if persistent is not None:
            window = persistent.window
        if window is None:
            raise ValueError("a stream store without a database needs its window")
        self.window = window
        self._recent: dict[str, list[Turn]] = {}
        self._buffered: dict[str, list[Turn]] = {}
        self._decisions: list[dict[str, Any]] = []

    def recent(self, stream: str) -> list[Turn]:
        return list(self._recent.get(stream, ()))

    def buffered(self, stream: str) -> list[Turn]:
        return list(self._buffered.get(stream, ()))

    def add_turn(self, turn: Turn, *, buffered: bool) -> None:
        if buffered:
            self._buffered.setdefault(turn.stream, []).append(turn)
        else:
            recent = self._recent.setdefault(turn.stream, [])
            recent.append(turn)
            del recent[:-self.window]

    def unbuffer(self, stream: str, turn_ids: set[str] | None = None) -> None:
        keep, moved = [], []
        for t in self._buffered.get(stream, []):
            (moved if turn_ids is None or t.turn_id in turn_ids else keep).append(t)
        self._buffered[stream] = keep
        for t in moved:
            self.add_turn(t, buffered=False)

    def end(self, stream: str) -> None:
        self._recent.pop(stream, None)
        self._buffered.pop(stream, None)

    def idle_streams(self, older_than_iso: str) -> list[str]:
        return []  # import streams end explicitly

    def record_decision(self, **fields: Any) -> int:
        self._decisions.append(fields)
        return 0

    def save(self) -> int:
        """Write the decisions made since the last save; how many."""
        rows, self._decisions = self._decisions, []
        if not rows or self.persistent is None:
            return 0
        ts = now_iso()  # saved together, at this moment
        with self.persistent.state.tx() as c:
            c.executemany(
                "INSERT INTO decisions (ts, stream, turn_id, tool, arguments, reasoning, searches, final, warnings,"
                " journal_ids, review_ids) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(ts, d["stream"], db_text(d["turn_id"]), d["tool"], d.get("arguments_json") or dumps(d["arguments"]),
                  db_text(d["reasoning"]), d["searches"], int(d["final"]), _dumps_list(d["warnings"]),
                  _dumps_list(d["journal_ids"]), _dumps_list(d["review_ids"])) for d in rows],
            )
        return len(rows)


def _dumps_list(value: Any) -> str:
    """dumps(value); an empty list (most decisions' warnings and ids) without the encoder."""
    return "[]" if type(value) is list and not value else dumps(value)
