"""The import ledger: what each imported conversation looked like when memd last wrote it.

It lives in the state database (never dropped by `memd reindex`), one row per conversation keyed
by source and source id, and makes imports idempotent, incremental and resumable:

* `content_hash` is the conversation's semantic hash (Conversation.content_hash): the same export
  again finds every hash equal and writes nothing.
* `turns` holds one short digest per (turn id, turn hash) of the transcript as written;
  `extracted` the same for the turns that went through extraction (NULL: the same set as
  `turns`, the common case, so it costs nothing). A changed conversation feeds only turns whose
  digest is not in `extracted`; `--no-extract` leaves `extracted` behind, and a later run picks
  the difference up.
* `path` is where the transcript lives, kept across re-imports (a renamed chat keeps its note,
  so fact links keep working); `path_key` (case-folded) finds collisions the way a
  case-insensitive disk would.
* `written_hash` is the sha256 of the bytes memd last wrote: the writer replaces the note only
  if it still holds them (otherwise the user edited it, and it is kept).
* `status` is `pending` from the moment a conversation's transcript is about to be written until
  its extraction is done. A kill -9 in between leaves it pending with its path reserved, so the
  next run redoes that conversation on the same path: the note write is then a no-op (same
  bytes) and the facts already written are no-ops too — no duplicate note, no duplicate fact.

`import_seen_text` remembers the text hashes of "about me" / custom-instruction turns already
extracted: ChatGPT repeats the same custom instructions at the top of every conversation, and
they are extracted once. `import_runs` records each run's progress for `memd import status` and
the daemon's `import.status`.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from memd.state import StateDB, now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS import_ledger (
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    path TEXT NOT NULL,
    path_key TEXT NOT NULL,
    content_hash TEXT,
    turns TEXT NOT NULL DEFAULT '[]',
    extracted TEXT,
    written_hash TEXT,
    status TEXT NOT NULL,
    first_import TEXT NOT NULL,
    last_import TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (source, source_id)
);
CREATE INDEX IF NOT EXISTS import_ledger_path ON import_ledger(path_key);
CREATE TABLE IF NOT EXISTS import_seen_text (
    hash TEXT PRIMARY KEY,
    conversation TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS import_runs (
    id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    format TEXT,
    path TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    dry_run INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    phase TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    counts TEXT NOT NULL DEFAULT '{}',
    error TEXT
)
"""

PENDING = "pending"
DONE = "done"
EDITED = "edited"  # the transcript was edited by hand and kept; the ledger follows the export


def turn_digest(turn_id: str, turn_hash: str) -> str:
    """One short digest per (turn id, content): 16 hex characters are plenty within one
    conversation, and keep the ledger small (a 40-turn conversation is under 1 KB)."""
    return hashlib.sha256(f"{turn_id}\0{turn_hash}".encode()).hexdigest()[:16]


def text_hash(text: str) -> str:
    """Hash of a text up to case, spacing and Unicode form: the same custom instructions
    re-saved with a trailing space are still the same."""
    norm = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def path_key(path: str) -> str:
    """Two paths a case-insensitive, normalising disk (macOS, Windows) would confuse."""
    return unicodedata.normalize("NFC", path).casefold()


@dataclass
class Entry:
    source: str
    source_id: str
    kind: str
    title: str
    path: str
    content_hash: str | None
    turns: set[str]
    extracted: set[str]
    written_hash: str | None
    status: str
    first_import: str
    last_import: str

    @property
    def key(self) -> str:
        return f"{self.source}:{self.source_id}"


class Ledger:
    def __init__(self, state: StateDB):
        self.state = state
        state.ensure_schema("import", 1, SCHEMA)

    # -- conversations -------------------------------------------------------------------------
    def get(self, source: str, source_id: str) -> Entry | None:
        with self.state.read() as c:
            row = c.execute("SELECT * FROM import_ledger WHERE source = ? AND source_id = ?",
                            (source, source_id)).fetchone()
        return _entry(row) if row else None

    def path_owner(self, path: str) -> str | None:
        """`source:source_id` of the conversation whose transcript is at `path` (any case)."""
        with self.state.read() as c:
            row = c.execute("SELECT source, source_id FROM import_ledger WHERE path_key = ? LIMIT 1",
                            (path_key(path),)).fetchone()
        return f"{row[0]}:{row[1]}" if row else None

    def begin(self, *, source: str, source_id: str, kind: str, title: str, path: str, run_id: int | None) -> None:
        """Mark a conversation pending and reserve its transcript path, before anything is
        written for it. What the row says was written before (hashes) is left as it is."""
        now = now_iso()
        with self.state.tx() as c:
            c.execute(
                "INSERT INTO import_ledger (source, source_id, kind, title, path, path_key, status, first_import,"
                " last_import, run_id) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(source, source_id) DO UPDATE SET"
                " status = excluded.status, title = excluded.title, last_import = excluded.last_import,"
                " run_id = excluded.run_id",
                (source, source_id, kind, title, path, path_key(path), PENDING, now, now, run_id),
            )

    def finish(self, *, source: str, source_id: str, content_hash: str, turns: Iterable[str],
               extracted: set[str], written_hash: str | None, status: str, seen_text: Iterable[str] = ()) -> None:
        """The conversation is done: its transcript and extraction state, in one transaction with
        the custom-instruction texts it extracted."""
        turn_list = sorted(set(turns))
        same = extracted == set(turn_list)
        with self.state.tx() as c:
            c.execute(
                "UPDATE import_ledger SET content_hash = ?, turns = ?, extracted = ?, written_hash = ?, status = ?,"
                " last_import = ? WHERE source = ? AND source_id = ?",
                (content_hash, json.dumps(turn_list), None if same else json.dumps(sorted(extracted)),
                 written_hash, status, now_iso(), source, source_id),
            )
            key = f"{source}:{source_id}"
            c.executemany("INSERT OR IGNORE INTO import_seen_text (hash, conversation) VALUES (?, ?)",
                          [(h, key) for h in seen_text])

    def seen_text(self, digest: str) -> bool:
        with self.state.read() as c:
            return c.execute("SELECT 1 FROM import_seen_text WHERE hash = ?", (digest,)).fetchone() is not None

    def counts(self) -> dict[str, int]:
        with self.state.read() as c:
            return {f"{r[0]}:{r[1]}": r[2] for r in
                    c.execute("SELECT source, status, COUNT(*) FROM import_ledger GROUP BY source, status")}

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, *, fmt: str | None, path: str, options: dict[str, Any], dry_run: bool) -> int:
        with self.state.tx() as c:
            cur = c.execute(
                "INSERT INTO import_runs (pid, started, format, path, options, dry_run, status, phase)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (os.getpid(), now_iso(), fmt, path, json.dumps(options, default=str), int(dry_run), "running",
                 "reading"),
            )
            return int(cur.lastrowid)

    def update_run(self, run_id: int, **fields: Any) -> None:
        allowed = {"format", "status", "phase", "done", "total", "counts", "error", "finished"}
        sets, params = [], []
        for name, value in fields.items():
            if name not in allowed:
                raise ValueError(f"unknown run field {name!r}")
            sets.append(f"{name} = ?")
            params.append(json.dumps(value, default=str) if name == "counts" else value)
        with self.state.tx() as c:
            c.execute(f"UPDATE import_runs SET {', '.join(sets)} WHERE id = ?", (*params, run_id))

    def run(self, run_id: int | None = None) -> dict[str, Any] | None:
        """One run (the latest without an id), with `status` "interrupted" for a run whose
        process is gone (killed) without finishing."""
        with self.state.read() as c:
            if run_id is None:
                row = c.execute("SELECT * FROM import_runs ORDER BY id DESC LIMIT 1").fetchone()
            else:
                row = c.execute("SELECT * FROM import_runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["options"] = json.loads(d["options"])
        d["counts"] = json.loads(d["counts"])
        d["dry_run"] = bool(d["dry_run"])
        if d["status"] == "running" and not _alive(d["pid"]):
            d["status"] = "interrupted"
        return d

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.state.read() as c:
            ids = [r[0] for r in c.execute("SELECT id FROM import_runs ORDER BY id DESC LIMIT ?", (limit,))]
        return [r for r in (self.run(i) for i in ids) if r is not None]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _entry(row: Any) -> Entry:
    turns = set(json.loads(row["turns"]))
    return Entry(
        source=row["source"], source_id=row["source_id"], kind=row["kind"], title=row["title"], path=row["path"],
        content_hash=row["content_hash"], turns=turns,
        extracted=turns if row["extracted"] is None else set(json.loads(row["extracted"])),
        written_hash=row["written_hash"], status=row["status"], first_import=row["first_import"],
        last_import=row["last_import"],
    )
