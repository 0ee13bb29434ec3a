"""`memd export context FILE` (the budgeted profile as prompt markdown) and `memd export base`
(memory/Memory.base, an Obsidian Bases table of the entities, written through the writer)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from memd.errors import ConflictError
from memd.exporters.bases import export_base
from memd.exporters.context_md import export_context
from memd.query.context import build
from memd.state import Source


def _memory(app):
    src = Source("test")
    app.set_fact(None, "user_name", "Ana Silva", src)
    app.set_fact(None, "living_location", "Lisbon, Portugal", src)
    app.set_fact(None, "job_title", "Nurse", src)
    app.add_relation(None, "mother", "Maria Silva", src)
    app.set_fact("Maria Silva", "birth_date", "1965-01-01", src)
    app.set_fact("Maria Silva", "living_location", 'Porto "old town"', src)
    app.add_relation(None, "employer", "St. Mary's Hospital", src)


def test_context_markdown_is_the_budgeted_pack(app, tmp_path):
    _memory(app)
    out = tmp_path / "profile.md"
    result = export_context(app, out, budget=350)
    text = out.read_text()
    pack = build(app, None, budget=350)
    assert result["words"] == pack["words"] and result["items"] == len(pack["profile"])
    assert text.startswith("# About the user (from their memd memory, ")
    assert "## Profile\n" in text and "- user_name: Ana Silva\n" in text and "- living_location: Lisbon, Portugal\n" in text
    assert "- mother: Maria Silva\n" in text  # a relation reads as the entity's name, not a link
    assert "[[" not in text  # vault links mean nothing in a system prompt
    assert result["fits_chatgpt_custom_instructions"] and result["chars"] == len(text)
    # The budget holds: 6 words keep the first two items, 5 only the first (3 words left say nothing).
    small = export_context(app, out, budget=6)
    lines = [l for l in out.read_text().splitlines() if l.startswith("- ")]
    assert small["words"] == 6 == sum(len(l[2:].split()) for l in lines)
    assert lines == ["- user_name: Ana Silva", "- living_location: Lisbon, Portugal"]
    assert export_context(app, out, budget=5)["words"] == 3 and "Lisbon" not in out.read_text()


def test_context_with_a_query_and_an_empty_memory(app, tmp_path):
    out = tmp_path / "p.md"
    export_context(app, out)
    assert "(memory holds nothing about the user yet)" in out.read_text()
    _memory(app)
    export_context(app, out, query="where does my mother live")
    assert "Maria Silva — living_location: Porto \"old town\"" in out.read_text()


def test_base_is_valid_yaml_with_the_entities_facts(app, vault):
    _memory(app)
    result = export_base(app)
    path = vault / "memory/Memory.base"
    assert result["vault_path"] == "memory/Memory.base" and result["entities"] == 2 and result["journal_id"]
    doc = yaml.safe_load(path.read_text())
    assert doc["filters"]["and"][0] == 'file.inFolder("memory/entities")'
    view = doc["views"][0]
    assert view["type"] == "table" and view["order"][0] == "file.name"
    for col in view["order"]:
        if col.startswith("formula."):
            assert col[len("formula."):] in doc["formulas"]
        assert col in doc["properties"]
    rel = doc["formulas"]["relationship"]
    assert 'if(file.path == "memory/entities/maria_silva.md", "mother",' in rel
    facts = doc["formulas"]["key_facts"]
    assert 'birth date: 1965-01-01; living location: Porto \\"old town\\"' in facts  # quotes escaped
    assert facts.count("(") == facts.count(")")
    # The writer journaled it; the index does not take it for an entity.
    assert app.log(limit=1)[0]["op"] == "export_base"
    assert "memory/Memory.base" not in [n["path"] for n in app.index.memory_notes()]


def test_base_edited_in_obsidian_is_kept(app, vault):
    _memory(app)
    export_base(app)
    path = vault / "memory/Memory.base"
    assert export_base(app)["status"] == "unchanged"
    edited = path.read_text().replace("name: Entities", "name: My people")
    path.write_text(edited)
    app.set_fact("Maria Silva", "phone_model", "Nokia", Source("test"))
    with pytest.raises(ConflictError, match="edited since memd last wrote it"):
        export_base(app)
    assert path.read_text() == edited
    assert export_base(app, force=True)["status"] == "written"
    assert "Nokia" in path.read_text()


def test_cli(tmp_path, vault):
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "c.toml"))
    run = lambda *a: subprocess.run([sys.executable, "-m", "memd", *a], env=env, capture_output=True,  # noqa: E731
                                    text=True, timeout=120)
    assert run("init", str(vault)).returncode == 0
    assert run("fact", "set", "user", "living_location", "Oslo").returncode == 0
    r = run("export", "context", str(tmp_path / "ctx.md"), "--budget", "50", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["budget"] == 50 and "living_location: Oslo" in (tmp_path / "ctx.md").read_text()
    r = run("export", "base", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["vault_path"] == "memory/Memory.base"
    r = run("export", "context", str(tmp_path / "ctx.md"), "--budget", "0")
    assert r.returncode == 2 and re.search(r"budget", r.stderr)
    (tmp_path / "a_file").write_text("x")
    r = run("export", "context", str(tmp_path / "a_file" / "ctx.md"))
    assert r.returncode == 1 and "no folder" in r.stderr and r.stderr.strip().count("\n") == 0
    os.chmod(tmp_path, 0o500)
    try:
        r = run("export", "context", str(tmp_path / "new.md"))
    finally:
        os.chmod(tmp_path, 0o700)
    if os.geteuid() != 0:  # root writes anywhere
        assert r.returncode == 1 and "permission denied" in r.stderr and r.stderr.strip().count("\n") == 0


def test_never_replaces_a_note_config_or_state(app, vault, config, tmp_path):
    from memd.errors import MemdError

    _memory(app)
    note = vault / "Profile.md"
    note.write_text("my own note\n")
    for target in (note, vault / "memory/user.md"):
        before = target.read_bytes()
        for force in (False, True):
            with pytest.raises(ConflictError, match="did not export"):
                export_context(app, target, force=force)
        assert target.read_bytes() == before
    config.path.write_text(config.path.read_text() if config.path.exists() else "")
    for target in (config.path, config.state_dir / "x.md"):
        with pytest.raises(MemdError, match="memd's own config or state"):
            export_context(app, target, force=True)
    # A new name in the vault is fine, and memd's own export there may be replaced later.
    assert export_context(app, vault / "Profile for ChatGPT.md")["where"] == "vault"
    app.set_fact(None, "diet", "vegetarian", Source("test"))
    assert export_context(app, vault / "Profile for ChatGPT.md")["status"] == "written"
    assert "diet: vegetarian" in (vault / "Profile for ChatGPT.md").read_text()
