"""A first index stores most wikilinks resolved as it writes them (a file's own name, when only
one file has it: memd.index.resolve.file_names) and resolves the rest at the end. The links it
ends with must be exactly those of indexing the same files one at a time (names all in memory),
in the cases where a file's name is not the whole answer."""

from __future__ import annotations

import os
from pathlib import Path

import memd.index.prepare as prepare_mod
import memd.index.scan as scan_mod
from memd.app import Memd
from memd.config import config_from_dict
from memd.index.resolve import file_names


def _links(app) -> list[tuple]:
    c = app.index.reader()
    return sorted(map(tuple, c.execute(
        "SELECT n.path, l.line, l.raw, l.markdown, coalesce(l.dst, '') FROM links l JOIN notes n ON n.id = l.src")))


def _write_vault(vault: Path) -> None:
    files = {
        # Two files share the name "Shared": the tie rules decide (folder of the linking note first).
        "a/Shared.md": "# A shared\n",
        "b/Shared.md": "# B shared\n",
        "a/from_a.md": "[[Shared]] [[shared]] [[b/Shared]]\n",
        # A file at the root outranks one in a folder with the same name.
        "Top.md": "top\n",
        "deep/Top.md": "deep top\n",
        # A title or alias equal to another file's own name never wins over that name.
        "x/Claimer.md": "---\naliases: [Plain]\n---\n# Plain\n",
        "y/Plain.md": "plain\n",
        # A title nobody has as a file name: resolved at the end.
        "z/titled.md": "# Only A Title\n",
        # An attachment is a file name too; markdown links are relative to their folder first.
        "pics/img.png": "\x89PNG",
        "pics/Local.md": "local\n",
        "Local.md": "root local\n",
        "pics/md_links.md": "[l](Local.md) [i](img.png) ![[img.png]] [[Local]]\n",
        "links.md": ("[[Shared]] [[Top]] [[Plain]] [[Only A Title]] [[only_a_title]] [[Claimer]] [[img.png]]"
                     " [[#Heading]] [[Nowhere]] [[./Top]] [[deep/Top]] [[Top#part|shown]]\n"),
    }
    for rel, text in files.items():
        (vault / rel).parent.mkdir(parents=True, exist_ok=True)
        (vault / rel).write_text(text, encoding="utf-8")
    for i in range(scan_mod.PARALLEL_MIN):  # enough files for a bulk (first) index
        (vault / "pad" / f"p{i}.md").parent.mkdir(exist_ok=True)
        (vault / "pad" / f"p{i}.md").write_text(f"pad {i} [[Shared]] [[Plain]] [[p{(i + 1) % 50}]]\n", encoding="utf-8")


def test_file_names_marks_names_several_files_share():
    names = file_names(["a/Shared.md", "b/shared.MD", "Top.md", "deep/Top.md", "pics/img.png", "one/Only_One.md"])
    assert names["shared"] is None and names["top"] is None
    assert names["img.png"] == "pics/img.png" and names["only one"] == "one/Only_One.md"


def test_a_first_index_resolves_links_as_one_at_a_time_does(config, vault, tmp_path, monkeypatch):
    _write_vault(vault)
    with Memd(config) as app:
        assert app.index.scan().added > scan_mod.PARALLEL_MIN
        first = _links(app)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN", 10 ** 9)  # names in memory, each link resolved as stored
    with Memd(config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "serial")})) as app:
        app.index.scan()
        serial = _links(app)
    assert first == serial
    got = {(p, raw): dst for p, _line, raw, _md, dst in first}
    assert got[("links.md", "Plain")] == "y/Plain.md"  # the file's own name, not the title or alias
    assert got[("links.md", "Top")] == "Top.md" and got[("a/from_a.md", "Shared")] == "a/Shared.md"
    assert got[("links.md", "Only A Title")] == "z/titled.md" and got[("links.md", "Nowhere")] == ""
    assert got[("pics/md_links.md", "Local.md")] == "pics/Local.md"


def test_a_file_gone_before_it_is_read_leaves_no_link_to_it(config, vault, tmp_path, monkeypatch):
    """A file the walk listed but that vanished before it was read is not stored; links to its
    name resolve as if it never was (here: to the note whose title is that name)."""
    _write_vault(vault)
    (vault / "Gone.md").write_text("soon gone\n", encoding="utf-8")
    (vault / "w/titled_gone.md").parent.mkdir()
    (vault / "w/titled_gone.md").write_text("# Gone\n", encoding="utf-8")
    (vault / "to_gone.md").write_text("[[Gone]] [[gone]]\n", encoding="utf-8")
    real = prepare_mod._read_file

    def vanishing_read(path, size):
        if os.path.basename(path) == "Gone.md":
            Path(path).unlink(missing_ok=True)  # gone between the walk and the read
        return real(path, size)

    monkeypatch.setattr(prepare_mod, "_read_file", vanishing_read)
    with Memd(config) as app:
        app.index.scan()
        first = _links(app)
        assert app.index.note("Gone.md") is None
    monkeypatch.undo()
    with Memd(config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "fresh")})) as app:
        app.index.scan()
        assert _links(app) == first
    assert [dst for p, _l, _raw, _md, dst in first if p == "to_gone.md"] == ["w/titled_gone.md"] * 2
