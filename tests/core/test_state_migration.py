"""A state database written by the first memd (schema 1) opens and migrates, keeping its data."""

import sqlite3

import pytest

from memd.errors import MemdError
from memd.state import StateDB

V1 = """
CREATE TABLE schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO schema_versions VALUES ('state', 1);
CREATE TABLE journal (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, batch TEXT, op TEXT NOT NULL, args TEXT NOT NULL,
    path TEXT NOT NULL, entity TEXT, key TEXT, source_kind TEXT NOT NULL, source_ref TEXT, source_detail TEXT,
    hash_before TEXT, hash_after TEXT, change TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'applied', undo_of INTEGER);
CREATE TABLE owned_lines (path TEXT NOT NULL, line_hash TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (path, line_hash)) WITHOUT ROWID;
CREATE TABLE review (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, path TEXT NOT NULL, entity TEXT, key TEXT,
    op TEXT NOT NULL, args TEXT NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL, current TEXT, proposed TEXT,
    fingerprint TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', resolved_ts TEXT, journal_id INTEGER);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO journal (ts, op, args, path, source_kind, source_detail, change)
    VALUES ('2026-01-01T00:00:00Z', 'set_fact', '{}', 'memory/user.md', 'cli', '{"kind": "cli"}', '{"hunks": []}');
INSERT INTO review (ts, path, op, args, source, reason, current, proposed, fingerprint)
    VALUES ('2026-01-01T00:00:00Z', 'memory/user.md', 'set_fact', '{}', '{}', 'hand', '- a: 1', '- a: 2', 'fp');
"""


def test_schema_1_database_migrates_and_keeps_its_rows(tmp_path):
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1)
    conn.close()
    db = StateDB(path)
    [entry] = db.journal()
    assert entry["op"] == "set_fact" and entry["status"] == "applied"
    [item] = db.review_items()
    assert item["current"] == "- a: 1" and item["granted"] == []
    new_id = db.record(op="x", args={}, path="p.md", source=__import__("memd.state").state.Source("t"),
                       change={"hunks": []}, hash_before=None, hash_after=None, added=["- b: 1"], removed=[])
    assert db.journal_entry(new_id)["status"] == "applied" and db.owned_counts("p.md")
    db.close()


def test_a_database_from_a_newer_memd_is_refused(tmp_path):
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL);"
                       "INSERT INTO schema_versions VALUES ('state', 99);")
    conn.close()
    with pytest.raises(MemdError, match="newer memd"):
        StateDB(path)
