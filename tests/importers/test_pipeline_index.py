"""An import's transcript notes indexed from rows the planner prepared from the text it rendered
(memd.index.import_rows): the same rows as indexing the file, and used only when the note
written is that text at that path."""

from __future__ import annotations

import logging
import random
import sys
from pathlib import Path

from memd.index.import_rows import prepare_text
from memd.index.prepare import Job, Settings, prepare
from memd.importers.chatgpt import parse
from memd.importers.pipeline import ImportRequest, run_import
from memd.importers.transcript import render
from memd.vault import participant_links

sys.path.insert(0, str(Path(__file__).parent))
from test_parallel import export, make_app, state_of  # noqa: E402


def test_prepared_rows_are_the_rows_of_the_file(tmp_path):
    folder = export(tmp_path / "x", 30, seed=4)
    vault = tmp_path / "vault"
    settings = Settings(str(vault), 1 << 20, 6000)
    checked = 0
    for conv in parse(folder):
        text = render(conv)
        if checked % 2:  # some with a participant linked, as the write stage links them
            text = participant_links.link(text, {name: "memory/user" for name in conv.participants})
        rel = f"memory-sources/chatgpt/{conv.source_id} {random.Random(checked).random()}.md"
        (vault / rel).parent.mkdir(parents=True, exist_ok=True)
        (vault / rel).write_bytes(text.encode("utf-8"))
        st = (vault / rel).stat()
        from_file, _ = prepare(Job(rel, st.st_size, st.st_mtime_ns, "source", None), settings)
        ours = prepare_text(rel, "source", text, chunk_chars=6000, max_bytes=1 << 20)
        assert ours is not None and from_file is not None
        assert ours._replace(mtime_ns=st.st_mtime_ns) == from_file
        checked += 1
    assert checked == 30


def test_what_the_index_rows_cannot_be_used_for_is_read_from_the_file():
    assert prepare_text("a.md", "source", "\ufeff# BOM", chunk_chars=6000, max_bytes=1 << 20) is None
    assert prepare_text("a.md", "source", "# nul \x00", chunk_chars=6000, max_bytes=1 << 20) is None
    assert prepare_text("a.md", "source", "# big " + "x" * 200, chunk_chars=6000, max_bytes=100) is None
    assert prepare_text("memory/user.md", "memory", "# User", chunk_chars=6000, max_bytes=1 << 20) is None
    assert prepare_text("a.png", "attachment", "x", chunk_chars=6000, max_bytes=1 << 20) is None


def test_a_parallel_import_indexes_from_prepared_rows_like_a_sequential_one(tmp_path, caplog):
    """The parallel import stores the planner's rows (every transcript note: the planner linked
    the user participant as the write stage does), and its index is the sequential one's."""
    caplog.set_level(logging.DEBUG, logger="memd.importers")
    first = export(tmp_path / "v1", 70, seed=9)
    grown = export(tmp_path / "v2", 80, seed=9, grow={3, 11, 40})
    states = {}
    for parallel in (False, True):
        app = make_app(tmp_path / f"run-{parallel}")
        try:
            out = []
            for path in (first, grown):
                caplog.clear()
                report = run_import(app, ImportRequest(str(path), "chatgpt"), parallel=parallel)
                out.append((state_of(app, report), [r.getMessage() for r in caplog.records]))
        finally:
            app.close()
        states[parallel] = out
    for (seq, _), (par, logs) in zip(states[False], states[True]):
        for name in seq:
            assert seq[name] == par[name], f"{name} differs"
    def stored(logs: list[str]) -> int:
        return int(next(line for line in logs if line.startswith("import index: ")).split()[2])

    assert stored(states[False][0][1]) == 0
    # Every note but those whose plain name another conversation took (the path guessed ahead
    # of writing was not the one written: the file is read instead).
    assert 60 <= stored(states[True][0][1]) < 70
    # The second import rewrote the grown and new conversations' notes, from prepared rows too.
    assert stored(states[True][1][1]) > 0
