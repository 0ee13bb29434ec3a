"""Search results are reused only while the index is unchanged, whoever changed it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_repeated_query_is_answered_from_the_cache(app, vault):
    (vault / "a.md").write_text("# A\nquokka island\n")
    app.index.scan()
    cache = app.index.search_cache
    first = app.search("quokka")
    hits = cache.hits
    assert app.search("quokka") == first and cache.hits == hits + 1
    first[0]["path"] = "changed by the caller"
    first[0]["lines"].append(99)
    again = app.search("quokka")
    assert again[0]["path"] == "a.md" and again[0]["lines"] == [1, 2]  # the caller's edit stayed theirs


def test_a_change_in_this_process_is_seen_at_once(app, vault):
    (vault / "a.md").write_text("# A\nquokka island\n")
    app.index.scan()
    assert [r["path"] for r in app.search("quokka")] == ["a.md"]
    (vault / "b.md").write_text("# B\nanother quokka\n")
    app.index.index_paths(["b.md"])
    assert sorted(r["path"] for r in app.search("quokka")) == ["a.md", "b.md"]
    (vault / "a.md").unlink()
    app.index.index_paths(["a.md"])
    assert [r["path"] for r in app.search("quokka")] == ["b.md"]


def test_a_change_committed_by_another_process_is_seen(app, vault, config):
    (vault / "a.md").write_text("# A\nquokka island\n")
    app.index.scan()
    assert len(app.search("quokka")) == 1
    (vault / "b.md").write_text("# B\nanother quokka\n")
    script = textwrap.dedent(f"""
        from memd.config import config_from_dict
        from memd.index.index import Index
        index = Index(config_from_dict({{"vault": {str(vault)!r}, "state_dir": {str(config.state_dir)!r}}}))
        index.index_paths(["b.md"])
        index.close()
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    assert sorted(r["path"] for r in app.search("quokka")) == ["a.md", "b.md"]


def test_different_parameters_are_different_entries(app, vault):
    for i in range(3):
        (vault / f"n{i}.md").write_text(f"# N{i}\nwombat\n")
    app.index.scan()
    assert len(app.search("wombat", limit=1)) == 1
    assert len(app.search("wombat", limit=3)) == 3
    assert app.search("wombat", path_prefix="n1") == [r for r in app.search("wombat", limit=3) if r["path"] == "n1.md"]


def test_the_cache_holds_a_bounded_number_of_bytes(app, vault):
    """Hits carry their unit's whole text: the cache is bounded by size, not only by entries."""
    from memd.index.result_cache import SearchCache

    for i in range(40):
        (vault / f"n{i}.md").write_text(f"# N{i}\nword{i} " + "long text " * 500 + "\n")
    app.index.scan()
    cache = SearchCache(app.config.index_db, size=512, max_bytes=60_000)
    try:
        for i in range(40):
            cache.get_or_run((f"word{i}",), lambda i=i: app.index.search(f"word{i}"))
        assert cache._bytes <= 60_000 and 5 <= len(cache._entries) < 40
        misses = cache.misses
        cache.get_or_run(("word39",), lambda: app.index.search("word39"))  # the newest stayed
        assert cache.misses == misses
    finally:
        cache.close()
