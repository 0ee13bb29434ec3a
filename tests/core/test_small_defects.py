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
