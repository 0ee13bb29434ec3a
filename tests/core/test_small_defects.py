"""Smaller defects of issue 12, each with its test: a folder and its note in one indexer batch,
NUL bytes in transcript notes, a year-9999 timestamp."""

from __future__ import annotations

import shutil

from memd.index.index import Index


def _paths(index: Index) -> list[str]:
    with index.db.read() as c:
        return [r[0] for r in c.execute("SELECT path FROM notes ORDER BY path")]


def test_new_folder_and_its_note_in_one_batch(config, vault):
    """The watcher reports a new folder and the note in it together: the folder's scan indexes
    the note, and the note must not be inserted a second time (UNIQUE constraint failed)."""
    index = Index(config)
    try:
        index.scan()
        (vault / "New" / "Deeper").mkdir(parents=True)
        (vault / "New" / "a.md").write_text("# A\nalpha words\n")
        (vault / "New" / "Deeper" / "b.md").write_text("# B\nbeta words\n")
        report = index.index_paths(["New", "New/a.md", "New/Deeper", "New/Deeper/b.md"])
        assert report.added == 2
        assert _paths(index) == ["New/Deeper/b.md", "New/a.md"]
        assert [h["path"] for h in index.search("beta")] == ["New/Deeper/b.md"]

        # The same folder removed, reported with its notes: each row goes once.
        shutil.rmtree(vault / "New")
        report = index.index_paths(["New", "New/a.md", "New/Deeper/b.md"])
        assert report.removed == 2
        assert _paths(index) == []
    finally:
        index.close()


# --- NUL bytes --------------------------------------------------------------------------------------
def test_nul_bytes_never_reach_a_note_raw(tmp_path):
    """A NUL in a title, an author or a message makes grep and git treat the whole note as
    binary: the note holds U+FFFD instead (the frontmatter has YAML's escape), and its file name none."""
    from datetime import datetime, timezone

    from memd.importers.model import Conversation, Turn
    from memd.importers.transcript import render, transcript_path

    when = datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    conv = Conversation(source="chatgpt", source_id="c\x00id", title="Trip\x00 to Lisbon", created=when,
                        turns=[Turn(id="m1", role="user", text="hello\x00world\n\x00", author="An\x00na", time=when),
                               Turn(id="m2", role="assistant", text="print('\x00')", kind="code", time=when,
                                    meta={"title": "Tool\x00"})])
    text = render(conv)
    assert "\x00" not in text
    assert "hello\ufffdworld" in text and "# Trip\ufffd to Lisbon" in text and "An\ufffdna" in text
    assert render(conv) == text  # still the same bytes for the same conversation
    path = transcript_path(conv).as_posix()
    assert "\x00" not in path and path.endswith("Trip to Lisbon.md")
    note = tmp_path / "note.md"
    note.write_text(text, encoding="utf-8")
    import subprocess

    r = subprocess.run(["grep", "-c", "world", str(note)], capture_output=True, text=True)
    assert r.stdout.strip() == "1" and "Binary" not in r.stdout + r.stderr


# --- timestamps -------------------------------------------------------------------------------------
def test_year_9999_is_not_read_as_milliseconds():
    """253402300799 is 9999-12-31 in seconds (a "never" placeholder); read as milliseconds it was
    1978-01-11. Out of [1970, 2200) a time is absent; milliseconds are still understood."""
    from datetime import datetime, timezone

    from memd.importers.times import from_any, from_epoch, from_iso

    assert from_epoch(253402300799) is None
    assert from_epoch(253402300799000) is None
    assert from_any("253402300799") is None
    assert from_iso("9999-12-31T23:59:59Z") is None
    assert from_iso("9999-12-31T23:59:59-05:00") is None  # past what a datetime holds in UTC: no OverflowError
    assert from_iso("0001-01-01T00:00:00Z") is None  # Go's zero time
    may_first = datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert from_epoch(1714550400) == may_first
    assert from_epoch(1714550400000) == may_first  # milliseconds
    assert from_epoch("1714550400.5").microsecond == 500000
    assert from_iso("2024-05-01T10:00:00+02:00") == may_first


def test_an_export_with_a_year_9999_message(tmp_path, app):
    """Through a real ChatGPT import: the note is dated by the conversation, never 1978."""
    import json

    from memd.importers.pipeline import ImportRequest, run_import

    t0 = 1714550400
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": ["m1"]},
               "m1": {"id": "m1", "parent": "root", "children": [], "message": {
                   "id": "m1", "author": {"role": "user"}, "create_time": 253402300799,
                   "content": {"content_type": "text", "parts": ["see you in the year 9999"]}}}}
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([{"id": "c1", "title": "Far future", "create_time": t0, "update_time": t0,
                                   "mapping": mapping, "current_node": "m1"}]))
    run_import(app, ImportRequest(str(export), "chatgpt", extract=False))
    [note] = (app.config.vault / "memory-sources").rglob("*.md")
    text = note.read_text(encoding="utf-8")
    assert note.name == "2024-05-01 Far future.md"
    assert "1978" not in text and "see you in the year 9999" in text
