"""`memd export canvas`: the entity graph as JSON Canvas 1.0, checked by a validator written
from the spec (canvas_validator.py), which is itself checked on broken canvases first."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pathlib import Path

import pytest

# The validator sits beside this test (tests/ is on the path, its subfolders are not packages).
sys.path.insert(0, str(Path(__file__).parent))
from canvas_validator import errors  # noqa: E402
from memd.errors import ConflictError, MemdError  # noqa: E402
from memd.exporters.canvas import export_canvas  # noqa: E402
from memd.state import Source  # noqa: E402


def _valid() -> dict:
    return {"nodes": [
        {"id": "g", "type": "group", "label": "People", "x": 0, "y": 0, "width": 500, "height": 300, "color": "5"},
        {"id": "a", "type": "file", "file": "memory/user.md", "x": 20, "y": 20, "width": 100, "height": 100},
        {"id": "b", "type": "text", "text": "hi", "x": 200, "y": 20, "width": 100, "height": 100, "color": "#ff0000"},
        {"id": "c", "type": "link", "url": "https://jsoncanvas.org", "x": 600, "y": 0, "width": 100, "height": 50}],
        "edges": [{"id": "e", "fromNode": "a", "fromSide": "right", "toNode": "b", "toSide": "left", "toEnd": "arrow",
                   "label": "knows"}]}


@pytest.mark.parametrize("break_it, message", [
    (lambda d: d["nodes"][1].update(id="b"), "duplicate id"),
    (lambda d: d["nodes"][1].update(x=1.5), "x missing or not an integer"),
    (lambda d: d["nodes"][1].pop("file"), "needs file"),
    (lambda d: d["nodes"][1].update(subpath="Heading"), "subpath must start"),
    (lambda d: d["nodes"][2].update(color="7"), "color '7'"),
    (lambda d: d["nodes"][2].update(type="image"), "type 'image'"),
    (lambda d: d["nodes"][2].update(x=60), "overlap"),
    (lambda d: d["nodes"][3].update(x=450), "without one holding"),
    (lambda d: d["nodes"].append(d["nodes"].pop(0)), "drawn over it"),
    (lambda d: d["edges"][0].update(toNode="zz"), "toNode 'zz' is not a node id"),
    (lambda d: d["edges"][0].update(fromSide="middle"), "fromSide 'middle'"),
    (lambda d: d["edges"][0].update(toEnd="dot"), "toEnd 'dot'"),
    (lambda d: d["edges"][0].update(id="a"), "duplicate id"),
    (lambda d: d.update(title="x"), "unknown field 'title'"),
])
def test_the_validator_catches(break_it, message):
    doc = _valid()
    assert errors(doc) == []
    break_it(doc)
    assert any(message in e for e in errors(doc)), errors(doc)


def _memory(app, vault):
    src = Source("test")
    app.set_fact(None, "user_name", "Ana Silva", src)
    for rel, name in [("mother", "Maria Silva"), ("sister", "Rita Silva"), ("friend", "João Pereira"),
                      ("employer", "Acme Corp"), ("hometown", "Porto")]:
        app.add_relation(None, rel, name, src)
    app.add_relation("Acme Corp", "ceo", "Bob Stone", src)
    app.add_relation("João Pereira", "works_at", "Acme Corp", src)
    app.set_fact("Project Atlas", "type", "project", src)
    for i in range(7):
        app.add_relation(None, "colleague", f"Person {i}", src)


def test_export_is_a_valid_readable_canvas(app, vault, tmp_path):
    _memory(app, vault)
    out = vault / "Memory.canvas"
    result = export_canvas(app, out)
    doc = json.loads(out.read_text())
    assert errors(doc) == []
    files = [n for n in doc["nodes"] if n["type"] == "file"]
    groups = {n["label"]: n for n in doc["nodes"] if n["type"] == "group"}
    entity_files = sorted(p.relative_to(vault).as_posix() for p in (vault / "memory").rglob("*.md"))
    assert sorted(n["file"] for n in files) == entity_files  # one node per entity, user included
    assert result["entities"] == len(entity_files) and result["where"] == "vault"
    user = next(n for n in files if n["file"] == "memory/user.md")
    assert user["x"] + user["width"] / 2 == 0 and user["y"] + user["height"] / 2 == 0  # the centre
    assert set(groups) == {"Person", "Organization", "Place", "Project"}
    # Groups on every side of the user.
    centres = [(g["x"] + g["width"] / 2, g["y"] + g["height"] / 2) for g in groups.values()]
    assert min(c[1] for c in centres) < 0 < max(c[1] for c in centres)
    assert min(c[0] for c in centres) < 0 < max(c[0] for c in centres)
    by_id = {n["id"]: n for n in doc["nodes"]}

    def inside(n, g):
        return g["x"] <= n["x"] and n["x"] + n["width"] <= g["x"] + g["width"] and \
            g["y"] <= n["y"] and n["y"] + n["height"] <= g["y"] + g["height"]
    for path, kind in [("maria_silva", "Person"), ("acme_corp", "Organization"), ("porto", "Place"),
                       ("project_atlas", "Project"), ("bob_stone", "Person")]:
        node = next(n for n in files if n["file"] == f"memory/entities/{path}.md")
        assert inside(node, groups[kind]), path
    labelled = {(by_id[e["fromNode"]]["file"].rsplit("/", 1)[-1], e["label"], by_id[e["toNode"]]["file"].rsplit("/", 1)[-1])
                for e in doc["edges"]}
    assert ("user.md", "mother", "maria_silva.md") in labelled
    assert ("acme_corp.md", "ceo", "bob_stone.md") in labelled
    assert ("joao_pereira.md", "works at", "acme_corp.md") in labelled
    # (H3's provenance may add `mentioned_by` back-links to new entities: edges too, not counted here)
    assert len([e for e in doc["edges"] if e["label"] != "mentioned by"]) == 5 + 1 + 1 + 7


def test_re_export_diffs_cleanly(app, vault, tmp_path):
    _memory(app, vault)
    out = tmp_path / "graph.canvas"
    export_canvas(app, out)
    first = out.read_bytes()
    assert export_canvas(app, out)["status"] == "unchanged" and out.read_bytes() == first
    before = {n["id"]: n for n in json.loads(first)["nodes"]}
    app.add_relation("Maria Silva", "sister", "Lucia Costa", Source("test"))
    export_canvas(app, out)
    after = json.loads(out.read_text())
    assert errors(after) == []
    ids = {n["id"]: n for n in after["nodes"]}
    assert set(before) < set(ids)  # every old id kept
    assert [i for i in ids if i not in before] == [next(n["id"] for n in after["nodes"]
                                                        if n.get("file") == "memory/entities/lucia_costa.md")]


def test_refusals(app, vault, tmp_path):
    _memory(app, vault)
    with pytest.raises(MemdError, match="ends in .canvas"):
        export_canvas(app, tmp_path / "graph.json")
    out = vault / "Memory.canvas"
    export_canvas(app, out)
    moved = json.loads(out.read_text())
    moved["nodes"][-1]["x"] += 1000  # the user rearranged it in Obsidian
    out.write_text(json.dumps(moved))
    app.set_fact(None, "city", "Oslo", Source("test"))
    with pytest.raises(ConflictError, match="edited since memd last wrote it"):
        export_canvas(app, out)
    assert json.loads(out.read_text()) == moved
    assert export_canvas(app, out, force=True)["status"] == "written"


def test_cli(tmp_path, vault):
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "c.toml"))
    run = lambda *a: subprocess.run([sys.executable, "-m", "memd", *a], env=env, capture_output=True,  # noqa: E731
                                    text=True, timeout=120)
    for args in (("init", str(vault)), ("fact", "set", "user", "city", "Oslo")):
        r = run(*args)
        assert r.returncode == 0, (args, r.stderr)
    r = run("export", "canvas", str(vault / "Graph.canvas"), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["vault_path"] == "Graph.canvas" and errors(json.loads((vault / "Graph.canvas").read_text())) == []
    r = run("export", "canvas", str(tmp_path / "missing" / "g.canvas"))
    assert r.returncode == 1 and "no folder" in r.stderr and r.stderr.strip().count("\n") == 0


def test_a_real_mem_agent_memory(app, vault):
    """mem-agent's example memory (nested link lists, links in notes): every relation an edge."""
    from memd.importers.mem_agent import import_mem_agent
    from support import fixture_path

    import_mem_agent(app, fixture_path("mem-agent", "memories", "client_success"))
    (vault / "memory/entities/tagged.md").write_text("---\ntags: [project]\n---\n# Tagged\n- goal: tidy\n")
    app.index.scan()
    out = vault / "Memory.canvas"
    result = export_canvas(app, out)
    doc = json.loads(out.read_text())
    assert errors(doc) == []
    assert result["entities"] == 1 + 10 + 1
    by_id = {n["id"]: n for n in doc["nodes"]}
    clients = sorted(by_id[e["toNode"]]["file"].rsplit("/", 1)[-1] for e in doc["edges"] if e["label"] == "major clients")
    assert clients == ["client_northwind.md", "client_orbitbank.md", "client_photonics.md"]
    group = next(n for n in doc["nodes"] if n["type"] == "group" and n["label"] == "Project")
    node = next(n for n in doc["nodes"] if n.get("file") == "memory/entities/tagged.md")
    assert group["x"] <= node["x"] and node["x"] + node["width"] <= group["x"] + group["width"]


def test_a_back_link_is_drawn_only_when_nothing_else_joins(app, vault):
    ents = vault / "memory/entities"
    ents.mkdir(parents=True, exist_ok=True)
    (ents / "anna.md").write_text("# Anna\n- mentioned_by: [[user.md]]\n")  # the user also names her
    (ents / "lone.md").write_text("# Lone\n- mentioned_by: [[user.md]]\n")  # only the back-link
    user = vault / "memory/user.md"
    user.write_text((user.read_text() if user.exists() else "# User Information\n") + "- sister: [[entities/anna.md]]\n")
    app.index.scan()
    doc = json.loads((lambda p: (export_canvas(app, p), p.read_text())[1])(vault / "m.canvas"))
    assert errors(doc) == []
    by_id = {n["id"]: n["file"] for n in doc["nodes"] if n["type"] == "file"}
    got = sorted((by_id[e["fromNode"]], e["label"], by_id[e["toNode"]]) for e in doc["edges"])
    assert got == [("memory/entities/lone.md", "mentioned by", "memory/user.md"),
                   ("memory/user.md", "sister", "memory/entities/anna.md")]
