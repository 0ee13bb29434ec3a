"""The index database's tables, and opening (or rebuilding) the file that holds them.

The index holds nothing irreplaceable: a file written by another schema version is deleted and
built again. Its secondary indexes are listed apart (SECONDARY) because a first index drops them
while it fills the tables and creates them once at the end: sorting 60k link keys once costs a
fraction of keeping three b-trees in order through 60k inserts (bench/index_bench.py).
"""

from __future__ import annotations

from pathlib import Path

from memd.db import Database

SCHEMA_VERSION = 5  # 4: search units (turns, fact lines) with speaker, time, block, source id; 5: no prefix index

TABLES = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT,
    title TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    warning TEXT,
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    note_id INTEGER NOT NULL,
    heading TEXT NOT NULL,
    level INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    block TEXT,
    speaker TEXT,
    time TEXT,
    source_id TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, aliases, heading, body, context, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_names USING fts5(
    title, aliases, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY,
    src INTEGER NOT NULL,
    line INTEGER NOT NULL,
    raw TEXT NOT NULL,
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    fragment TEXT,
    embed INTEGER NOT NULL,
    markdown INTEGER NOT NULL,
    dst TEXT
);
CREATE TABLE IF NOT EXISTS facts (
    note_id INTEGER NOT NULL,
    section TEXT,
    key TEXT NOT NULL,
    norm_key TEXT NOT NULL,
    value TEXT NOT NULL,
    line INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"""

# name -> what it indexes. Queries that use them: outlinks and clearing a note (links_src),
# re-resolving changed names (links_key), backlinks (links_dst), a note's chunks (chunks_note),
# facts by note and by key, notes by kind.
SECONDARY = {
    "notes_kind": "notes(kind)",
    "chunks_note": "chunks(note_id)",
    "links_src": "links(src)",
    "links_key": "links(key)",
    "links_dst": "links(dst)",
    "facts_note": "facts(note_id)",
    "facts_key": "facts(norm_key)",
}
INDEXES = ";\n".join(f"CREATE INDEX IF NOT EXISTS {name} ON {on}" for name, on in SECONDARY.items())
SCHEMA = TABLES + ";\n" + INDEXES
# What reset() drops before creating SCHEMA again.
TABLE_NAMES = ("notes", "chunks", "links", "facts", "fts", "fts_names", "meta")


def statements(script: str) -> list[str]:
    return [s for s in script.split(";\n") if s.strip()]


def drop_secondary(c) -> None:  # c: a connection inside a write transaction
    for name in SECONDARY:
        c.execute(f"DROP INDEX IF EXISTS {name}")


def create_secondary(c) -> None:
    for statement in statements(INDEXES):
        c.execute(statement)


def open_index_db(path: Path) -> Database:
    """The index database; one written by an older memd is rebuilt (it holds nothing irreplaceable)."""
    db = Database(path)
    with db.read() as c:
        # A checkpointed WAL is cut back to this size: a rebuild must not leave a WAL as big as the index.
        c.execute("PRAGMA journal_size_limit = 16777216")
        c.execute("CREATE TABLE IF NOT EXISTS schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        row = c.execute("SELECT version FROM schema_versions WHERE name = 'index'").fetchone()
    if row is not None and row[0] != SCHEMA_VERSION:
        db.close()
        drop_index(path)
        db = Database(path)
    db.ensure_schema("index", SCHEMA_VERSION, SCHEMA)
    return db


def drop_index(path: Path) -> None:
    """Delete the index database files (they are rebuildable; the state database is elsewhere)."""
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
