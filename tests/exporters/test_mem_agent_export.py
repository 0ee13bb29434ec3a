"""`memd export mem-agent DIR` and back with `memd import mem-agent DIR`: a strict mem-agent
memory (user.md + entities/, `[[entities/x.md]]` links, no frontmatter, size limits), and the
same facts after a round trip into a fresh vault."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from memd.app import Memd
from memd.config import config_from_dict
from memd.errors import ConflictError, MemdError
from memd.exporters.mem_agent import FILE_SIZE_LIMIT, SizeLimitError, export_mem_agent
from memd.importers.mem_agent import import_mem_agent
from memd.state import Source
from memd.vault.links import parse_links
from memd.vault.memfile import MemoryDoc
from support import fixture_path

STRICT_LINK = re.compile(r"^entities/[^/\[\]|#]+\.md$")


def _second_app(tmp_path: Path, name: str) -> Memd:
    vault = tmp_path / name
    vault.mkdir()
    from memd.vault_setup import init_vault

    init_vault(vault, config_path=tmp_path / f"{name}.toml", state_dir=tmp_path / f"{name}-state")
    cfg = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / f"{name}-state"),
                            "writer": {"settle_seconds": 0, "fsync": False}}, tmp_path / f"{name}.toml")
    return Memd(cfg)


def facts_by_entity(app: Memd) -> dict[str, Counter]:
    """Each entity (by title; the user as 'user') with its fact lines as (key, value), links
    replaced by the title of the entity they point at, provenance addresses removed."""
    from memd.exporters.snapshot import strip_addresses, take

    out: dict[str, Counter] = {}
    snap = take(app)
    titles = {f.path: ("user" if f.is_user else f.title) for f in snap.files}
    for f in snap.files:
        got: Counter = Counter()
        for fact in f.doc.facts:
            block = [strip_addresses(l).strip() for l in f.doc.lines[fact.index:fact.end]]
            text = " ".join(l for l in block if l)
            for link in parse_links(text):
                resolved = app.index.resolve(link.target, f.path, markdown=link.markdown)
                form = (r"\[[^\]]*\]\(" + re.escape(link.raw) + r"\)") if link.markdown else \
                    (r"!?\[\[" + re.escape(link.raw) + r"\]\]")
                text = re.sub(form, f"<{titles.get(resolved, link.target)}>", text)
            got[(fact.norm_key, text.split(":", 1)[1].strip())] += 1
        out[titles[f.path]] = got
    return out


def _fill(app: Memd, vault: Path) -> None:
    src = Source("ingest", ref="chat#1", detail="test")
    app.set_fact(None, "user_name", "Ana Silva", src)
    app.set_fact(None, "living_location", "Lisbon, Portugal", src)
    app.add_relation(None, "mother", "Maria Silva", src)
    app.add_relation(None, "employer", "Acme Corp", src)
    app.set_fact("Acme Corp", "industry", "Software", src)
    app.add_relation("Acme Corp", "ceo", "Bob Stone", src)
    ents = vault / "memory/entities"
    # Hand-written files in the forms Obsidian allows and mem-agent does not read.
    (ents / "Joao Pereira.md").write_text(
        "---\naliases: [Joao]\ntags: [friend]\n---\n# João Pereira\n- relationship: friend\n"
        "- works_at: [[Acme Corp|Acme]]\n- met_in: [[memory-sources/chatgpt/2024-05-01 Trip|a chat]]\n"
        "- hobbies:\n  - surfing\n  - chess [[Bob Stone#Hobbies]]\n"
        "- birthday: 1990-02-03 [[memory-sources/chat/x#^t3|↗]]\n- phone: none ^ab12cd\n")
    (ents / "people").mkdir()
    (ents / "people/Zed Ng.md").write_text("# Zed Ng\n- city: Taipei\n")  # a subfolder: flattened
    user = vault / "memory/user.md"
    user.write_text(user.read_text() + "- friend: [[Joao Pereira]]\n- colleague: [Bob](entities/bob_stone.md)\n"
                    "- neighbour: [[Zed Ng]]\n")
    app.index.scan()


def test_strict_format(app, vault, tmp_path):
    _fill(app, vault)
    out = tmp_path / "ma"
    result = export_mem_agent(app, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == result["written"]
    assert result["written"][-1] == "user.md" and all(p.startswith("entities/") for p in result["written"][:-1])
    assert result["frontmatter_dropped"] == 1 and result["links_flattened"] == 1
    for path in out.rglob("*.md"):
        text = path.read_text()
        assert text.startswith("# ") and "---" not in text.split("\n")[0]
        assert "↗" not in text and "^ab12cd" not in text
        for link in parse_links(text):
            assert not link.embed and not link.markdown and link.alias is None and link.fragment is None
            assert STRICT_LINK.match(link.raw), link.raw
            assert (out / link.raw).is_file(), f"{path.name}: {link.raw} points nowhere"
        assert path.stat().st_size <= FILE_SIZE_LIMIT
    joao = (out / "entities/joao_pereira.md").read_text()
    assert "- works_at: [[entities/acme_corp.md]]" in joao and "- met_in: a chat" in joao
    assert "  - chess [[entities/bob_stone.md]]" in joao and "- birthday: 1990-02-03\n" in joao
    user = (out / "user.md").read_text()
    assert user.startswith("# User Information\n") and "- friend: [[entities/joao_pereira.md]]" in user
    assert "- colleague: [[entities/bob_stone.md]]" in user and "- mother: [[entities/maria_silva.md]]" in user
    assert "- neighbour: [[entities/zed_ng.md]]" in user and (out / "entities/zed_ng.md").read_text() == "# Zed Ng\n- city: Taipei\n"
    assert result["renamed"]["entities/zed_ng.md"] == "memory/entities/people/Zed Ng.md"
    # A re-export of an unchanged memory replaces memd's own previous export, byte for byte the same.
    again = export_mem_agent(app, out)
    assert again["written"] == result["written"] and "previous_kept_at" not in again


def test_round_trip_same_facts(app, vault, tmp_path):
    _fill(app, vault)
    out = tmp_path / "ma"
    export_mem_agent(app, out)
    fresh = _second_app(tmp_path, "fresh")
    try:
        files = lambda: {p: p.read_bytes() for p in (tmp_path / "fresh").rglob("*") if p.is_file()}  # noqa: E731
        before_dry = files()
        dry = import_mem_agent(fresh, out, dry_run=True)
        assert files() == before_dry and dry["counts"] == {} and len(dry["created"]) == 5
        assert dry["merged"] == ["memory/user.md"]
        report = import_mem_agent(fresh, out)
        assert report["counts"].get("applied", 0) > 0 and not report["skipped"]
        before, after = facts_by_entity(app), facts_by_entity(fresh)
        # The export drops what mem-agent cannot follow: the link into a transcript becomes its text.
        before["João Pereira"] -= Counter({("met_in", "<memory-sources/chatgpt/2024-05-01 Trip>"): 1})
        before["João Pereira"][("met_in", "a chat")] += 1
        assert after == before
        # Importing the same memory again changes nothing.
        again = import_mem_agent(fresh, out)
        assert set(again["counts"]) <= {"noop"}
        assert facts_by_entity(fresh) == after
    finally:
        fresh.close()


def test_round_trip_of_a_real_mem_agent_memory(tmp_path):
    """mem-agent's own example memory: imported, exported, and every file reads back with the
    same facts (nested lists and sections included)."""
    src = fixture_path("mem-agent", "memories", "client_success")
    a = _second_app(tmp_path, "a")
    try:
        import_mem_agent(a, src)
        out = tmp_path / "out"
        export_mem_agent(a, out)
        for path in sorted(src.rglob("*.md")):
            rel = path.relative_to(src).as_posix()
            want = MemoryDoc.parse(path.read_text())
            got = MemoryDoc.parse((out / rel).read_text())
            lines = lambda d: [(f.section, d.lines[f.index:f.end]) for f in d.facts]  # noqa: E731
            assert lines(got) == lines(want), rel
    finally:
        a.close()


def test_size_limit_refused_or_trimmed(app, vault, tmp_path):
    app.set_fact(None, "city", "Oslo", Source("test"))
    big = "".join(f"- note_{i}: {'x' * 200}\n" for i in range(6000))  # ~1.3 MB
    (vault / "memory/entities").mkdir(parents=True, exist_ok=True)
    (vault / "memory/entities/big.md").write_text("# Big\n" + big)
    app.index.scan()
    with pytest.raises(SizeLimitError, match="1 MiB file limit.*--trim"):
        export_mem_agent(app, tmp_path / "ma")
    assert not (tmp_path / "ma").exists()  # nothing half-written
    result = export_mem_agent(app, tmp_path / "ma", trim=True)
    (cut,) = result["cut"]
    kept = 6000 - len(cut["dropped"])
    assert cut["path"] == "entities/big.md" and cut["dropped"] == [f"- note_{i}: {'x' * 200}" for i in range(kept, 6000)]
    text = (tmp_path / "ma/entities/big.md").read_text()
    assert len(text.encode()) <= FILE_SIZE_LIMIT < len(text.encode()) + 220
    assert text.endswith(f"- note_{kept - 1}: {'x' * 200}\n")


def test_refuses_a_foreign_folder_and_keeps_it_with_force(app, vault, tmp_path):
    app.set_fact(None, "city", "Oslo", Source("test"))
    out = tmp_path / "ma"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConflictError, match="not empty"):
        export_mem_agent(app, out)
    assert (out / "notes.txt").read_text() == "mine"
    result = export_mem_agent(app, out, force=True)
    assert Path(result["previous_kept_at"], "notes.txt").read_text() == "mine"
    # mem-agent then writes into its memory: a re-export must not silently undo that.
    (out / "user.md").write_text((out / "user.md").read_text() + "- pet: Rex\n")
    with pytest.raises(ConflictError):
        export_mem_agent(app, out)
    assert "- pet: Rex" in (out / "user.md").read_text()


def test_refuses_a_folder_inside_the_vault_or_holding_it(app, vault, tmp_path):
    app.set_fact(None, "city", "Oslo", Source("test"))
    with pytest.raises(MemdError, match="inside the vault"):
        export_mem_agent(app, vault / "export")
    for holder in (tmp_path, vault.parent.parent):  # --force would move the vault aside
        with pytest.raises(MemdError, match="holds the vault"):
            export_mem_agent(app, holder, force=True)
    assert (vault / "memory/user.md").is_file()


def _run(env, *args):
    return subprocess.run([sys.executable, "-m", "memd", *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_export_and_import(tmp_path, vault):
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "c.toml"))
    assert _run(env, "init", str(vault)).returncode == 0
    assert _run(env, "fact", "set", "user", "city", "Oslo").returncode == 0
    r = _run(env, "export", "mem-agent", str(tmp_path / "ma"), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["written"] == ["user.md"] and (tmp_path / "ma/user.md").read_text().count("- city: Oslo") == 1
    # Bad input: one line, non-zero exit, nothing written.
    r = _run(env, "export", "mem-agent", str(tmp_path / "no/such/parent/ma"))
    assert r.returncode != 0 and r.stderr.strip().count("\n") == 0 and "no folder" in r.stderr
    env2 = dict(os.environ, MEMD_CONFIG=str(tmp_path / "c2.toml"))
    vault2 = tmp_path / "v2"
    vault2.mkdir()
    assert _run(env2, "init", str(vault2)).returncode == 0
    r = _run(env2, "import", "mem-agent", str(tmp_path / "ma"), "--json")
    assert r.returncode == 0, r.stderr
    assert "- city: Oslo" in (vault2 / "memory/user.md").read_text()
    r = _run(env2, "import", "mem-agent", str(vault2 / "nothing"))
    assert r.returncode != 0 and "no folder" in r.stderr and r.stderr.strip().count("\n") == 0
    shutil.rmtree(tmp_path / "ma")


def test_import_refuses_secrets_and_points_at_the_memory_folder(app, vault, tmp_path):
    src = tmp_path / "repo" / "memory"
    (src / "entities").mkdir(parents=True)
    (src / "user.md").write_text("# User Information\n- user_name: Ana\n- api_key: sk-proj-abcdefghijklmnopqrstuvwx\n"
                                 "\n## User Relationships\n- bank: [[entities/bank.md]]\n")
    (src / "entities/bank.md").write_text("# Bank\n- password: hunter2x9\n- branch: Lisbon\n"
                                          "Login with token ghp_abcdefghijklmnopqrstuvwxyz0123456789\n")
    with pytest.raises(MemdError, match=r"did you mean .*repo/memory\?"):
        import_mem_agent(app, tmp_path / "repo")
    report = import_mem_agent(app, src)
    assert report["secrets_refused"] == 3
    user, bank = (vault / "memory/user.md").read_text(), (vault / "memory/entities/bank.md").read_text()
    assert "sk-proj" not in user and "- user_name: Ana" in user and "[[entities/bank.md]]" in user
    assert bank == "# Bank\n- branch: Lisbon\n"


def test_a_file_that_cannot_be_trimmed_is_refused(app, vault, tmp_path):
    (vault / "memory/entities").mkdir(parents=True, exist_ok=True)
    (vault / "memory/entities/huge.md").write_text("# " + "H" * (FILE_SIZE_LIMIT + 10) + "\n- a: b\n")
    app.index.scan()
    with pytest.raises(SizeLimitError, match="first line alone"):
        export_mem_agent(app, tmp_path / "ma", trim=True)
    assert not (tmp_path / "ma").exists()
