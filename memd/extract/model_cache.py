"""The model's answers, kept on disk as they come, so no turn is ever sent to the model twice.

An import of thousands of conversations against a model takes hours; the server may die, the
laptop may sleep, the user may press Ctrl-C. A conversation's facts are applied only when all
its turns are decided (decisions are persisted per conversation, with its ledger row), so a
conversation cut off half-way is decided again by the next run (`memd import --resume`, or the
same import again). Its turns that the model had already answered are then answered from here:
the key is the exact request (model, rendered messages, tools offered), so an answer is reused
only for the very question it answered.

SQLite in WAL mode, one short transaction per answer, shared by the import's threads. Rows
older than KEEP_DAYS are dropped when the cache is opened; the file lives in the state folder.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from memd.extract.tools import ToolCall

KEEP_DAYS = 30

_SCHEMA = """
CREATE TABLE IF NOT EXISTS model_answers (
    key TEXT PRIMARY KEY,
    stream TEXT NOT NULL,
    created REAL NOT NULL,
    call TEXT NOT NULL,              -- JSON {name, arguments, reasoning}
    prompt_tokens INTEGER,
    completion_tokens INTEGER
);
"""


def request_key(model: str, messages: list[dict[str, Any]], tools: list[str]) -> str:
    blob = json.dumps({"model": model, "messages": messages, "tools": tools}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class DecisionCache:
    def __init__(self, path: str | Path):
        if str(path) != ":memory:":
            from memd.private_state import create_private

            try:
                create_private(Path(path))  # 0600: the calls quote the user's turns
            except OSError:
                pass
        self._conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self.hits = 0
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
            self._conn.execute("DELETE FROM model_answers WHERE created < ?", (time.time() - KEEP_DAYS * 86400,))

    def get(self, key: str) -> tuple[ToolCall, int, int] | None:
        """The call answered to request `key`, with its prompt and completion tokens."""
        with self._lock:
            row = self._conn.execute("SELECT call, prompt_tokens, completion_tokens FROM model_answers WHERE key = ?",
                                     (key,)).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
            call = ToolCall(str(data["name"]), dict(data["arguments"]), data.get("reasoning"))
        except (ValueError, KeyError, TypeError):
            return None  # a damaged row: ask the model again
        self.hits += 1
        return call, int(row[1] or 0), int(row[2] or 0)

    def put(self, key: str, stream: str, call: ToolCall, prompt_tokens: int, completion_tokens: int) -> None:
        blob = json.dumps({"name": call.name, "arguments": call.arguments, "reasoning": call.reasoning},
                          ensure_ascii=False)
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO model_answers VALUES (?,?,?,?,?,?)",
                               (key, stream, time.time(), blob, prompt_tokens, completion_tokens))

    def forget(self, stream: str) -> None:
        """Drop a conversation's answers once its decisions are applied (they are in the
        decisions table and the journal now)."""
        with self._lock:
            self._conn.execute("DELETE FROM model_answers WHERE stream = ?", (stream,))

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM model_answers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
