"""A SQLite log of every model call: what was asked, what came back, how long it took.

The table lives in a database the caller chooses (the daemon's state database, so `memd log`
and debugging of a bad extraction can show the exact prompt and reply). Rows are only ever
inserted; `prune` bounds the size because prompts are long (system prompt + tools + context).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memd.llm.base import dumps

if TYPE_CHECKING:
    from memd.llm.base import ChatRequest, ChatResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,            -- ISO 8601, UTC
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    tag TEXT,
    request_messages TEXT NOT NULL,      -- JSON list
    request_tools TEXT,                  -- JSON list or NULL
    request_params TEXT NOT NULL,        -- JSON: tool_choice, max_tokens, temperature, top_p
    response_content TEXT,
    response_tool_calls TEXT,            -- JSON list of {name, arguments, raw}
    tool_call_problems TEXT,             -- JSON list of strings
    reasoning TEXT,
    finish_reason TEXT,
    raw_response TEXT,                   -- JSON
    notes TEXT,                          -- JSON list of strings
    duration_ms INTEGER NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cached_tokens INTEGER,
    error TEXT
);
CREATE INDEX IF NOT EXISTS llm_calls_started ON llm_calls (started_at);
"""


@dataclass
class CallRow:
    id: int
    started_at: str
    backend: str
    model: str
    tag: str | None
    request_messages: list[Any]
    request_tools: list[Any] | None
    request_params: dict[str, Any]
    response_content: str | None
    response_tool_calls: list[Any] | None
    tool_call_problems: list[str] | None
    reasoning: str | None
    finish_reason: str | None
    raw_response: Any
    notes: list[str] | None
    duration_ms: int
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_tokens: int | None
    error: str | None


class CallLog:
    """Append-only call log in `llm_calls`. Give it a path or an open connection.

    A connection passed in stays the caller's (not closed here); one opened from a path is
    owned. Writes are serialized with a lock because the daemon calls models from worker threads.
    """

    def __init__(self, db: str | Path | sqlite3.Connection):
        if isinstance(db, sqlite3.Connection):
            self._conn = db
            self._owned = False
        else:
            if str(db) != ":memory:":
                from memd.private_state import create_private

                try:
                    create_private(Path(db))  # 0600 like the other databases: it holds prompts (turns)
                except OSError:
                    pass  # (no folder: sqlite3 says so below, as before)
            self._conn = sqlite3.connect(str(db), timeout=10.0, check_same_thread=False)
            self._owned = True
        self._lock = threading.Lock()
        with self._lock:
            self._conn.executescript(_SCHEMA)
            self._conn.commit()

    def record(
        self,
        *,
        started: datetime,
        backend: str,
        model: str,
        tag: str | None,
        request: ChatRequest,
        result: ChatResult | None,
        duration_ms: int,
        error: str | None = None,
    ) -> int:
        params = {
            "tool_choice": request.tool_choice,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
        }
        row: dict[str, Any] = {
            "started_at": started.isoformat(),
            "backend": backend,
            "model": model,
            "tag": tag,
            "request_messages": dumps(request.messages),
            "request_tools": dumps(request.tools) if request.tools is not None else None,
            "request_params": dumps(params),
            "duration_ms": duration_ms,
            "error": error,
        }
        if result is not None:
            row.update(
                response_content=result.content,
                response_tool_calls=dumps(
                    [{"name": c.name, "arguments": c.arguments, "raw": c.raw} for c in result.tool_calls]
                ),
                tool_call_problems=dumps(result.tool_call_problems),
                reasoning=result.reasoning,
                finish_reason=result.finish_reason,
                raw_response=dumps(result.raw_response),
                notes=dumps(result.notes),
                prompt_tokens=result.usage.prompt_tokens,
                completion_tokens=result.usage.completion_tokens,
                cached_tokens=result.usage.cached_tokens,
            )
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._lock:
            cur = self._conn.execute(f"INSERT INTO llm_calls ({columns}) VALUES ({marks})", list(row.values()))
            self._conn.commit()
            return int(cur.lastrowid or 0)

    def recent(self, limit: int = 20, *, tag: str | None = None) -> list[CallRow]:
        """The newest rows first."""
        sql = "SELECT * FROM llm_calls"
        args: list[Any] = []
        if tag is not None:
            sql += " WHERE tag = ?"
            args.append(tag)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        with self._lock:
            cur = self._conn.execute(sql, args)
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        return [_to_row(dict(zip(names, r))) for r in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM llm_calls").fetchone()[0])

    def prune(self, keep: int) -> int:
        """Delete all but the newest `keep` rows; returns how many were deleted."""
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM llm_calls WHERE id NOT IN (SELECT id FROM llm_calls ORDER BY id DESC LIMIT ?)",
                (keep,),
            )
            self._conn.commit()
            return cur.rowcount

    def close(self) -> None:
        if self._owned:
            with self._lock:
                self._conn.close()


_JSON_COLUMNS = (
    "request_messages",
    "request_tools",
    "request_params",
    "response_tool_calls",
    "tool_call_problems",
    "raw_response",
    "notes",
)


def _to_row(values: dict[str, Any]) -> CallRow:
    for col in _JSON_COLUMNS:
        if values.get(col) is not None:
            values[col] = json.loads(values[col])
    return CallRow(**values)
