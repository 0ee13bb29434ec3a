"""Links: every Obsidian form parsed, and resolved the way Obsidian resolves them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import fixture_path
from memd.vault.links import NameTable, parse_links, split_target


def test_parse_every_link_form():
    text = "\n".join([
        "[[Note]] [[Note|alias]] [[Note#Heading]] [[Note#^block1]] ![[image.png]]",
        "[[Folder/Sub/Note]] [[entities/jane_doe.md]] [[../Up/There]] [[#Local heading]]",
        "[md](Some%20Note.md) ![img](pics/a.png) [web](https://example.com) [anchor](#x)",
        "| [[Table\\|alias]] |",
        "`[[not a link]]` and ```inline```",
        "```",
        "[[in a fence]]",
        "```",
    ])
    links = parse_links(text)
    got = [(l.target, l.fragment, l.alias, l.embed, l.markdown) for l in links]
    assert got == [
        ("Note", None, None, False, False),
        ("Note", None, "alias", False, False),
        ("Note", "Heading", None, False, False),
        ("Note", "^block1", None, False, False),
        ("image.png", None, None, True, False),
        ("Folder/Sub/Note", None, None, False, False),
        ("entities/jane_doe.md", None, None, False, False),
        ("../Up/There", None, None, False, False),
        ("", "Local heading", None, False, False),
        ("Some Note.md", None, None, False, True),
        ("pics/a.png", None, None, True, True),
        ("Table", None, "alias", False, False),
    ]
    assert [l.line for l in links][:10] == [1, 1, 1, 1, 1, 2, 2, 2, 2, 3]


def test_split_target():
    assert split_target("a/b#c|d") == ("a/b", "c", "d")
    assert split_target("x#^blk") == ("x", "^blk", None)


def _table(files: dict[str, tuple[str | None, list[str]]]) -> NameTable:
    t = NameTable()
    for path, (title, aliases) in files.items():
        t.add(path, title, aliases)
    return t


def test_resolution_order_and_normalisation():
    t = _table({
        "memory/user.md": ("User Information", []),
        "memory/entities/jane_doe.md": ("Jane Doe", ["Mum"]),
        "People/Jane Doe.md": (None, []),
        "Notes/Kyoto.md": (None, []),
        "Trips/Kyoto.md": (None, []),
        "Kyoto.md": (None, []),
        "Attachments/photo one.JPG": (None, []),
        "Wo\u0308rter.md": (None, []),  # Notion writes decomposed (NFD) names
    })
    assert t.resolve("entities/jane_doe.md", "memory/user.md") == "memory/entities/jane_doe.md"
    assert t.resolve("Entities/Jane Doe", "memory/user.md") == "memory/entities/jane_doe.md"
    assert t.resolve("jane_doe") == "memory/entities/jane_doe.md"
    assert t.resolve("Jane Doe") == "People/Jane Doe.md"  # a file name beats a title
    assert t.resolve("Mum") == "memory/entities/jane_doe.md"  # alias
    assert t.resolve("User Information") == "memory/user.md"  # title
    assert t.resolve("Kyoto") == "Kyoto.md"  # the exact path beats same-named files
    assert t.resolve("Trips/Kyoto") == "Trips/Kyoto.md"
    assert t.resolve("photo_one.jpg") == "Attachments/photo one.JPG"
    assert t.resolve("Wörter") == "Wo\u0308rter.md"
    assert t.resolve("../Trips/Kyoto", "Notes/x.md") == "Trips/Kyoto.md"
    assert t.resolve("nothing here") is None
    t.remove("Kyoto.md")
    assert t.resolve("Kyoto", "Trips/plan.md") == "Trips/Kyoto.md"  # same folder wins a tie
    assert t.resolve("Kyoto", "Notes/plan.md") == "Notes/Kyoto.md"


def _obsidian_resolves(target: str, files: list[str]) -> set[str]:
    """An independent model of Obsidian's link resolution, from its documented behaviour:
    a link matches a vault path (".md" optional), else any file whose path ends with it."""
    t = target.lower()
    t_md = t if "." in t.rsplit("/", 1)[-1] else t + ".md"
    out = set()
    for f in files:
        fl = f.lower()
        if fl in (t, t_md) or fl.endswith("/" + t) or fl.endswith("/" + t_md):
            out.add(f)
    return out


@pytest.fixture
def kepano_app(tmp_path):
    from memd.app import Memd
    from memd.config import config_from_dict

    src = fixture_path("obsidian", "kepano-obsidian")
    vault = tmp_path / "kepano"
    shutil.copytree(src, vault)
    for root, dirs, files in os.walk(vault):
        for n in dirs + files:
            os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
    cfg = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "state")})
    app = Memd(cfg)
    yield app, vault
    app.close()


def test_kepano_vault_indexes_every_note_and_resolves_what_obsidian_resolves(kepano_app):
    app, vault = kepano_app
    report = app.index.scan()
    notes = sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*.md") if ".obsidian" not in p.parts)
    files = sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(vault).parts))
    assert len(notes) == 103
    indexed = {r[0] for r in app.index.reader().execute("SELECT path FROM notes WHERE kind != 'attachment'")}
    assert indexed == set(notes)
    assert report.warnings == []  # template placeholders in frontmatter are not errors
    checked = 0
    rows = app.index.reader().execute(
        "SELECT n.path, l.target, l.dst FROM links l JOIN notes n ON n.id = l.src WHERE l.target != ''").fetchall()
    assert len(rows) > 150
    for src, target, dst in rows:
        expected = _obsidian_resolves(target, files)
        if expected:
            checked += 1
            assert dst in expected, f"{src}: [[{target}]] -> {dst}, Obsidian: {expected}"
        else:
            assert dst is None or not dst.lower().endswith(target.lower()), (src, target, dst)
    assert checked > 100
    # Links inside frontmatter properties count (categories: ["[[People]]"]).
    back = {b["source"] for b in app.index.backlinks("Categories/People.md")}
    assert "References/Steph Ango.md" in back
    # Embeds of .base files resolve to the file under Templates/Bases/.
    assert app.index.resolve("Daily.base") == "Templates/Bases/Daily.base"


def test_mem_agent_memory_links_all_resolve(tmp_path):
    from memd.app import Memd
    from memd.config import config_from_dict

    src = fixture_path("mem-agent", "memories", "client_success")
    vault = tmp_path / "v"
    shutil.copytree(src, vault / "memory")
    cfg = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "s")})
    with Memd(cfg) as app:
        app.index.scan()
        rows = app.index.reader().execute(
            "SELECT n.path, l.target, l.dst FROM links l JOIN notes n ON n.id = l.src").fetchall()
        existing = {p.relative_to(vault).as_posix() for p in (vault / "memory").rglob("*.md")}
        for src_path, target, dst in rows:
            want = "memory/" + target
            if want in existing:
                assert dst == want, (src_path, target, dst)
            else:
                assert dst is None  # the sample links to entities it does not include
        facts = app.index.facts(path="memory/user.md")
        keys = [f["norm_key"] for f in facts]
        assert {"team_name", "mission", "lead", "major_clients", "monday", "crm"} <= set(keys)
        clients = next(f for f in facts if f["norm_key"] == "major_clients")
        assert "client_northwind" in clients["value"]
        entity = app.get_entity("Client: Northwind Retail Group")
        assert entity["path"] == "memory/entities/client_northwind.md"
        assert any(b["source"] == "memory/user.md" for b in entity["backlinks"])
