"""The index: incremental scans, confirmed-gone deletes, and bad input that must not crash it."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from memd.errors import VaultError


def note_rows(app):
    return {r[0]: r for r in app.index.reader().execute("SELECT path, hash, warning, title FROM notes")}


def test_incremental_scan_skips_unchanged_reads_changed_and_deletes_only_gone(app, vault):
    (vault / "a.md").write_text("# Alpha\nhello world\n")
    (vault / "b.md").write_text("# Beta\n[[a]]\n")
    (vault / "sub").mkdir()
    (vault / "sub/c.md").write_text("text")
    r = app.index.scan()
    assert (r.added, r.unchanged) == (3, 0)
    r = app.index.scan()
    assert (r.added, r.updated, r.unchanged) == (0, 0, 3)
    os.utime(vault / "a.md", ns=(1, 1))  # touched, same bytes: no re-parse
    r = app.index.scan()
    assert (r.touched, r.updated) == (1, 0)
    (vault / "a.md").write_text("# Alpha\nhello there\n")
    r = app.index.scan()
    assert r.updated == 1 and app.search("there")[0]["path"] == "a.md"
    (vault / "sub/c.md").unlink()
    r = app.index.scan()
    assert r.removed == 1 and "sub/c.md" not in note_rows(app)


def test_links_re_resolve_when_targets_appear_and_disappear(app, vault):
    (vault / "a.md").write_text("see [[Later Note]]\n")
    app.index.scan()
    assert app.index.outlinks("a.md")[0]["dst"] is None
    (vault / "x").mkdir()
    (vault / "x/Later Note.md").write_text("hi")
    app.index.index_paths(["x/Later Note.md"])
    assert app.index.outlinks("a.md")[0]["dst"] == "x/Later Note.md"
    assert [b["source"] for b in app.index.backlinks("x/Later Note.md")] == ["a.md"]
    (vault / "x/Later Note.md").unlink()
    app.index.index_paths(["x/Later Note.md"])
    assert app.index.outlinks("a.md")[0]["dst"] is None


def test_ignored_files_are_never_indexed(app, vault):
    for rel in [".obsidian/workspace.md", ".trash/old.md", ".git/x.md", "n.sync-conflict-20240101-ABC.md",
                "n (conflicted copy 2024-01-01).md", ".n.md.icloud", "image.png", "real.md"]:
        (vault / rel).parent.mkdir(parents=True, exist_ok=True)
        (vault / rel).write_text("content")
    app.index.scan()
    kinds = {p: r for p, r in note_rows(app).items()}
    assert set(kinds) == {"image.png", "real.md"}


def test_exclude_globs(config, vault):
    from memd.app import Memd

    config.index.exclude = ["Archive/*"]
    (vault / "Archive").mkdir()
    (vault / "Archive/old.md").write_text("x")
    (vault / "keep.md").write_text("x")
    with Memd(config) as app:
        app.index.scan()
        assert set(note_rows(app)) == {"keep.md"}


def test_bad_input_is_indexed_as_text_or_skipped_with_a_warning(app, vault):
    (vault / "latin1.md").write_bytes("# Caf\xe9\nna\xefve text\n".encode("latin-1"))
    (vault / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (vault / "badfm.md").write_text("---\ntitle: [unclosed\n: : :\n---\n# Body\nfine words\n")
    (vault / "listfm.md").write_text("---\n- just\n- a list\n---\nok\n")
    (vault / "unclosed.md").write_text("---\ntitle: x\nno end\n")
    (vault / "empty.md").write_text("")
    r = app.index.scan()
    warnings = dict(r.warnings)
    assert "invalid UTF-8" in warnings["latin1.md"]
    assert "binary" in warnings["binary.md"]
    assert "malformed frontmatter" in warnings["badfm.md"]
    assert "not a key/value mapping" in warnings["listfm.md"]
    assert app.search("text")[0]["path"] == "latin1.md"  # decoded with replacement characters
    assert app.search("fine words")[0]["path"] == "badfm.md"
    assert set(note_rows(app)) == {"latin1.md", "binary.md", "badfm.md", "listfm.md", "unclosed.md", "empty.md"}


def test_a_50_mb_note_is_indexed_by_name_with_a_warning(app, vault):
    big = vault / "huge.md"
    with open(big, "wb") as fh:
        line = b"lorem ipsum dolor sit amet " * 40 + b"\n"
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    (vault / "small.md").write_text("findme")
    r = app.index.scan()
    assert "larger than index.max_note_mb" in dict(r.warnings)["huge.md"]
    assert app.search("findme")[0]["path"] == "small.md"
    assert "huge.md" in note_rows(app)


def test_a_large_note_under_the_limit_is_searchable(config, vault):
    from memd.app import Memd

    text = "\n\n".join(f"paragraph {i} " + "filler " * 50 for i in range(3000)) + "\n\nneedle at the end\n"
    (vault / "long.md").write_text(text)
    with Memd(config) as app:
        app.index.scan()
        [hit] = app.search("needle")
        assert hit["path"] == "long.md" and hit["lines"][1] >= 6000


def test_symlink_loops_end(app, vault):
    (vault / "d").mkdir()
    (vault / "d/n.md").write_text("x")
    (vault / "d/loop").symlink_to(vault / "d")
    (vault / "self").symlink_to(vault)
    (vault / "dangling.md").symlink_to(vault / "nowhere.md")
    r = app.index.scan()
    assert set(note_rows(app)) == {"d/n.md"}
    assert any("loop" in w for _, w in r.warnings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder regardless of permissions")
def test_unreadable_folder_keeps_its_rows_nonroot(app, vault):
    _unreadable_folder_check(app, vault)


def test_unreadable_folder_keeps_its_rows(app, vault, monkeypatch):
    """As root a chmod 000 folder stays readable, so make listing it fail the way it would."""
    import memd.index.scanner as scanner

    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(str(path)) == "private" and getattr(scandir, "deny", False):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(scanner.os, "scandir", scandir)
    _unreadable_folder_check(app, vault, deny=lambda on: setattr(scandir, "deny", on))


def _unreadable_folder_check(app, vault, deny=None):
    (vault / "private").mkdir()
    (vault / "private/secret.md").write_text("secret words")
    (vault / "open.md").write_text("x")
    app.index.scan()
    if deny:
        deny(True)
    else:
        os.chmod(vault / "private", 0)
    try:
        r = app.index.scan()
        assert "private" in r.unreadable_dirs and r.kept == 1 and r.removed == 0
        assert "private/secret.md" in note_rows(app)
        assert app.search("secret")[0]["path"] == "private/secret.md"
    finally:
        if not deny:
            os.chmod(vault / "private", 0o755)


def test_unreadable_file_keeps_its_rows(app, vault, monkeypatch):
    (vault / "a.md").write_text("alpha words")
    app.index.scan()
    (vault / "a.md").write_text("alpha changed")
    import memd.index.prepare as prepare_mod

    real = prepare_mod._read_file

    def refusing_read(path, size):  # chmod 000 does not stop root, who runs CI here
        if path.endswith("/a.md"):
            raise PermissionError(13, "Permission denied")
        return real(path, size)

    monkeypatch.setattr(prepare_mod, "_read_file", refusing_read)
    r = app.index.scan()
    assert "cannot read" in dict(r.warnings)["a.md"]
    assert app.search("alpha")[0]["path"] == "a.md"


def test_files_vanishing_mid_scan(app, vault, monkeypatch):
    for i in range(50):
        (vault / f"n{i}.md").write_text(f"note {i}")
    app.index.scan()
    for i in range(50):
        (vault / f"n{i}.md").write_text(f"changed {i}")
    import memd.index.prepare as prepare_mod

    real = prepare_mod._read_file

    def vanishing_read(path, size):
        if os.path.basename(path).startswith("n1"):
            Path(path).unlink(missing_ok=True)  # gone between the walk and the read
        return real(path, size)

    monkeypatch.setattr(prepare_mod, "_read_file", vanishing_read)
    app.index.scan()
    monkeypatch.undo()
    r = app.index.scan()
    rows = note_rows(app)
    assert not any(p.startswith("n1") for p in rows) and "n2.md" in rows
    assert r.removed == 11


def test_missing_vault_never_empties_the_index(app, vault, tmp_path):
    (vault / "a.md").write_text("x")
    app.index.scan()
    vault.rename(tmp_path / "moved")
    with pytest.raises(VaultError, match="vault not found"):
        app.index.scan()
    (tmp_path / "moved").rename(vault)
    assert "a.md" in note_rows(app)


def test_stale_memd_temp_files_are_cleaned(app, vault):
    tmp = vault / ".a.md.memd-abc123.tmp"
    tmp.write_text("partial")
    os.utime(tmp, (time.time() - 3600, time.time() - 3600))
    fresh = vault / ".b.md.memd-def456.tmp"
    fresh.write_text("in flight")
    user_dot = vault / ".hidden.tmp"
    user_dot.write_text("not ours")
    app.index.scan()
    assert not tmp.exists() and fresh.exists() and user_dot.exists()


def test_reindex_keeps_the_journal(app, vault):
    from memd.state import Source

    app.set_fact(None, "x", "1", Source("test"))
    before = app.state.counts()["journal"]
    app.reindex()
    assert app.state.counts()["journal"] == before
    assert app.search("x")[0]["path"] == "memory/user.md"


def test_search_ranks_titles_and_handles_odd_queries(app, vault):
    (vault / "Lisbon.md").write_text("# Lisbon\nA city.\n")
    (vault / "trip.md").write_text("# Trip\nWe went to lisbon once.\n")
    (vault / "alias.md").write_text("---\naliases: [Lisboa]\n---\nnothing else\n")
    app.index.scan()
    assert app.search("lisbon")[0]["path"] == "Lisbon.md"
    assert app.search("lisboa")[0]["path"] == "alias.md"
    assert app.search("lisb")[0]["path"] == "Lisbon.md"  # prefix on the last word
    for q in ['"', "AND OR NOT", "*", "a:b", "NEAR(", "-", "^", ""]:
        app.search(q)  # FTS syntax in a query is text, never an error
    assert app.search("lisbon zzzunknown")[0]["match"] == "any"


def test_a_common_last_word_is_matched_whole_and_a_rare_one_as_a_prefix(app, vault, monkeypatch):
    from memd.index import search as search_mod

    monkeypatch.setattr(search_mod, "BROAD", 5)  # "common" = in 5 chunks or more
    for i in range(6):
        (vault / f"n{i}.md").write_text(f"# Note {i}\nmeeting notes about anan\n")
    (vault / "longer.md").write_text("# Longer\nananbaro lives here\n")
    (vault / "rare.md").write_text("# Rare\nquartzite quartzites\n")
    app.index.scan()
    # "anan" alone is in 6 chunks: as a prefix it would only add more, so it is matched whole.
    assert "longer.md" not in [r["path"] for r in app.search("anan", limit=20)]
    # A word that is rare stays a prefix (search as you type).
    assert app.search("quar")[0]["path"] == "rare.md"
    assert app.search("anan")[0]["path"].startswith("n")


def test_a_folder_moved_out_of_the_vault_leaves_the_index(app, vault, tmp_path):
    (vault / "Trip").mkdir()
    (vault / "Trip/day1.md").write_text("# Day 1\nlisbon tram\n")
    (vault / "Trip2").mkdir()
    (vault / "Trip2/other.md").write_text("# Other\nlisbon fado\n")
    app.index.scan()
    (vault / "Trip").rename(tmp_path / "Trip-elsewhere")  # what the watcher reports as the folder "Trip"
    report = app.index.index_paths(["Trip"])
    assert [r["path"] for r in app.search("lisbon")] == ["Trip2/other.md"]
    assert report.removed == 1 and report.warnings == []
    # A scan of a folder touches that folder only, not a sibling whose name starts the same.
    report = app.index.scan(prefix="Trip2")
    assert report.removed == 0 and report.warnings == [] and report.kept == 0


def test_concurrent_search_while_indexing(app, vault):
    """Searches in other threads while every note is re-indexed, again and again: each search
    sees one consistent snapshot (a hit never points at a chunk a commit just replaced)."""
    for i in range(200):
        (vault / f"n{i}.md").write_text(f"# Note {i}\ncommon word {i}\n")
    app.index.scan()
    errors = []
    stop = threading.Event()

    def searcher():
        try:
            while not stop.is_set():
                hits = app.search("common word")
                assert hits and all(h["path"].startswith("n") for h in hits)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for t in threads:
        t.start()
    for round_ in range(6):
        for i in range(200):
            (vault / f"n{i}.md").write_text(f"# Note {i}\ncommon word changed {round_} {i}\n")
        app.index.scan()
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_bulk_scan_in_a_worker_gives_the_same_index_as_one_at_a_time(config, vault, tmp_path, monkeypatch):
    """A large scan parses in a worker process and resolves links once at the end; the result
    must be exactly what indexing the same files one by one gives."""
    import sys

    import memd.index.feed as feed_mod
    import memd.index.scan as scan_mod
    from memd.app import Memd
    from memd.config import config_from_dict

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from vaultgen import VaultGenerator

    VaultGenerator(seed=11).generate(vault, 600)

    def dump(app):
        c = app.index.reader()
        notes = sorted(map(tuple, c.execute("SELECT path, kind, hash, title, aliases, tags, warning FROM notes")))
        links = sorted(map(tuple, c.execute("SELECT n.path, l.line, l.raw, coalesce(l.dst, '') FROM links l JOIN notes n ON n.id = l.src")))
        chunks = c.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return notes, links, chunks, app.search("the")

    monkeypatch.setattr(feed_mod, "WORKER_MIN", 100)  # parse in the worker process, whatever the cores
    monkeypatch.setenv("MEMD_INDEX_WORKER", "1")
    with Memd(config) as app:
        assert app.index.scan().added > scan_mod.PARALLEL_MIN
        bulk = dump(app)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN", 10 ** 9)
    one_by_one = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "state2")})
    with Memd(one_by_one) as app:
        app.index.scan()
        serial = dump(app)
    assert bulk[0] == serial[0] and bulk[2] == serial[2]
    assert bulk[1] == serial[1] and sum(1 for l in bulk[1] if l[3]) > 1000


def test_a_rebuild_never_grows_the_index(config, vault):
    """`memd reindex` drops and refills the tables and ends with FTS optimize and a WAL
    checkpoint: the files after two rebuilds are no larger than after one."""
    import sys

    from memd.app import Memd

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from vaultgen import VaultGenerator

    VaultGenerator(seed=5).generate(vault, 500)

    def size(app):
        return app.index.stats()["db_bytes"]

    with Memd(config) as app:
        app.index.scan()
        app.reindex()
        once = size(app)
        hits = app.search("the", limit=5)
        app.reindex()
        app.reindex()
        assert size(app) <= once
        assert app.search("the", limit=5) == hits  # the same index, answered the same
        assert app.index.stats()["unresolved_links"] < app.index.stats()["links"]


def test_an_interrupted_first_index_is_rebuilt_when_next_opened(config, vault, monkeypatch):
    """A first (bulk) index stores its links when it ends; one interrupted before that must not
    leave an index that looks complete but has no links: the next open starts it again."""
    import sys

    import memd.index.index as index_mod
    import memd.index.scan as scan_mod
    from memd.app import Memd

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from vaultgen import VaultGenerator

    VaultGenerator(seed=3).generate(vault, 450)

    def crash(c, names, *lost):
        raise RuntimeError("power cut")

    with Memd(config) as app:
        monkeypatch.setattr(scan_mod, "resolve_all", crash)
        monkeypatch.setattr(scan_mod, "BATCH", 100)  # several commits before the one that resolves
        monkeypatch.setattr(scan_mod, "COLD_COMMIT_S", 0)
        with pytest.raises(RuntimeError):
            app.index.scan()
        assert app.index.stats()["notes"] > 0  # the batches before the crash were committed
    monkeypatch.undo()
    monkeypatch.setattr(index_mod, "_alive", lambda pid: False)  # the crashed process is gone
    with Memd(config) as app:
        assert app.index.stats()["notes"] == 0  # rebuilt from scratch...
        report = app.index.scan()
        assert report.added > 400 and app.index.stats()["links"] > 1000  # ...with its links
        assert app.index.stats()["unresolved_links"] < app.index.stats()["links"] // 2


def test_a_note_stored_by_another_writer_since_the_rows_were_read_is_updated_not_inserted_twice(app, vault):
    """The daemon's watcher and an API write (or two processes) can index the same new note at
    once: each read the index's rows before the other stored it. The second must update."""
    from memd.index.index import ScanReport
    from memd.index.prepare import Job, Settings, prepare
    from memd.index.writer import write_batch

    (vault / "race.md").write_text("# Race\n\nfirst words\n", encoding="utf-8")
    st = (vault / "race.md").stat()
    settings = Settings(str(vault), 10 ** 7, app.config.index.chunk_chars)
    item, _ = prepare(Job("race.md", st.st_size, st.st_mtime_ns, "note", None), settings)
    stale_rows: dict = {}  # both writers read the rows before either stored the note
    for _ in range(2):
        with app.index.db.tx() as c:
            write_batch(c, [item, item], dict(stale_rows), ScanReport(), app.index.names(), bulk=False)
    with app.index.db.read() as c:
        assert c.execute("SELECT count(*) FROM notes WHERE path = 'race.md'").fetchone()[0] == 1
        note_id = c.execute("SELECT id FROM notes WHERE path = 'race.md'").fetchone()[0]
        assert c.execute("SELECT count(*) FROM chunks WHERE note_id = ?", (note_id,)).fetchone()[0] >= 1
    assert [h["path"] for h in app.index.search("first words")] == ["race.md"]


def test_a_note_is_read_whole_whatever_its_listed_size(tmp_path):
    """The indexer reads size + 1 bytes first (the size the walk saw); a file that grew or
    shrank since is still read exactly as it is now."""
    from memd.index.prepare import _read_file

    path = tmp_path / "n.md"
    data = os.urandom(200_000)
    path.write_bytes(data)
    for listed in (0, 10, 199_999, 200_000, 200_001, 1_000_000):
        assert _read_file(str(path), listed) == data
    path.write_bytes(b"")
    assert _read_file(str(path), 5) == b""


def test_a_bulk_rescan_resolves_links_as_a_fresh_index_does(config, vault, tmp_path):
    """A scan of many changed notes into a filled index (links resolved in bulk against the
    name table in memory) ends with the same links as a first index of the same files (names in
    a temporary table): renamed titles unresolve the links that used them, new ones resolve."""
    import sys

    from memd.app import Memd
    from memd.config import config_from_dict

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from vaultgen import VaultGenerator

    VaultGenerator(seed=13).generate(vault, 900)

    def links(app):
        c = app.index.reader()
        return sorted(map(tuple, c.execute("SELECT n.path, l.line, l.raw, l.dst FROM links l JOIN notes n ON n.id = l.src")))

    with Memd(config) as app:
        app.index.scan()
        changed = 0
        for path in sorted(vault.rglob("*.md")):
            text = path.read_text(encoding="utf-8")
            if "\n# " in "\n" + text and changed < 500:
                # A new title (links by the old one unresolve) and a link to another note's title.
                path.write_text(text.replace("# ", "# Renamed ", 1) + "\n[[Renamed An]] [[2024-01-01]]\n",
                                encoding="utf-8")
                changed += 1
        assert changed >= 400  # a bulk scan
        report = app.index.scan()
        assert report.updated == changed
        rescanned = links(app)
    fresh = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "fresh")})
    with Memd(fresh) as app:
        app.index.scan()
        assert links(app) == rescanned
    assert sum(1 for l in rescanned if l[3]) > 1000


def test_a_first_index_killed_mid_way_is_rebuilt_with_its_indexes(config, vault, tmp_path):
    """A cold build drops the tables' secondary indexes while it fills them. Killed mid-way
    (os._exit: no cleanup, as kill -9), it leaves committed notes without links or indexes; the
    next open must rebuild from scratch, and the result must have every index back."""
    import subprocess
    import sys

    from memd.app import Memd
    from memd.index.schema import SECONDARY

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from vaultgen import VaultGenerator

    VaultGenerator(seed=9).generate(vault, 600)
    script = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
import memd.index.scan as scan_mod
from memd.app import Memd
from memd.config import config_from_dict
scan_mod.BATCH, scan_mod.COLD_COMMIT_S = 100, 0  # commit after every 100 notes
real, calls = scan_mod.write_batch, []
def dying(*args, **kwargs):
    calls.append(1)
    if len(calls) == 3:
        os._exit(9)  # mid-build: two batches committed, no links, no secondary indexes
    return real(*args, **kwargs)
scan_mod.write_batch = dying
app = Memd(config_from_dict({{"vault": {str(vault)!r}, "state_dir": {str(tmp_path / "state")!r}}}))
app.index.scan()
"""
    done = subprocess.run([sys.executable, "-c", script], timeout=120)
    assert done.returncode == 9
    with Memd(config) as app:
        c = app.index.reader()
        assert app.index.stats()["notes"] == 0  # the half-built index was emptied when opened
        assert {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")} >= set(SECONDARY)
        report = app.index.scan()
        assert report.added > 600 and app.index.stats()["unresolved_links"] < app.index.stats()["links"] // 2
        assert {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")} >= set(SECONDARY)


def test_a_scan_that_fails_while_a_worker_parses_ends_promptly(config, vault, monkeypatch):
    """The writer failing mid-scan must not hang on the parse worker's reader thread (its
    queue full, the worker blocked writing answers): the error is raised, the worker ended."""
    import sys
    import threading

    import memd.index.feed as feed_mod
    import memd.index.scan as scan_mod
    from memd.app import Memd

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from vaultgen import VaultGenerator

    VaultGenerator(seed=21).generate(vault, 1500)
    monkeypatch.setattr(feed_mod, "WORKER_MIN", 100)
    monkeypatch.setattr(feed_mod, "AHEAD", 50)  # the reader thread soon blocks on a full queue
    monkeypatch.setenv("MEMD_INDEX_WORKER", "1")
    monkeypatch.setattr(scan_mod, "BATCH", 100)
    real, calls = scan_mod.write_batch, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(scan_mod, "write_batch", failing)
    outcome: list[BaseException] = []
    with Memd(config) as app:
        def run():
            try:
                app.index.scan()
            except BaseException as exc:  # reported below
                outcome.append(exc)

        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.join(60)
        assert not t.is_alive(), "the scan hung after the writer failed"
    assert outcome and "disk full" in str(outcome[0])
    assert not any(th.name == "memd-index-feed" for th in threading.enumerate())


def test_a_first_index_gathers_more_terms_in_memory_and_restores_checkpoints(config, vault):
    """A first (bulk) index sets FTS5's in-memory term buffer on the table (fewer, larger
    segments) and gives the writing connection back its usual WAL checkpoints."""
    import memd.index.scan as scan_mod
    from memd.app import Memd

    for i in range(scan_mod.PARALLEL_MIN + 10):
        (vault / f"n{i}.md").write_text(f"# Note {i}\nalpha{i}omega shared text\n")
    with Memd(config) as app:
        app.index.scan()
        c = app.index.reader()
        assert c.execute("SELECT v FROM fts_config WHERE k = 'hashsize'").fetchone()[0] == scan_mod.FTS_HASH_BYTES
        with app.index.db.read() as w:  # the shared connection checkpoints as usual again
            assert w.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
        assert [h["path"] for h in app.search("alpha7omega")] == ["n7.md"]
