"""`memd export json`: the whole memory, with who wrote each fact and from where."""

import json
import os
import subprocess
import sys

from memd.exporters.json_export import memory_document
from memd.state import Source


def test_document_holds_facts_relations_and_provenance(app, vault):
    app.set_fact(None, "city", "Oslo", Source("ingest", ref="chat#3", detail="I live in Oslo"))
    app.add_relation(None, "sister", "Anna", Source("test"))
    (vault / "memory/user.md").write_text((vault / "memory/user.md").read_text() + "- shoe_size: 42\n")
    doc = memory_document(app)
    user, anna = doc["entities"]
    assert user["is_user"] and anna["name"] == "Anna" and anna["backlinks"] == ["memory/user.md"]
    facts = {f["key"]: f for f in user["facts"]}
    assert facts["city"]["written_by"] == "memd" and facts["city"]["source"]["ref"] == "chat#3"
    assert facts["shoe_size"]["written_by"] == "hand" and "source" not in facts["shoe_size"]
    assert facts["sister"]["targets"] == ["memory/entities/anna.md"]


def test_cli_writes_the_file_atomically(tmp_path, vault):
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "c.toml"))
    subprocess.run([sys.executable, "-m", "memd", "init", str(vault)], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "memd", "fact", "set", "user", "city", "Oslo"], env=env, check=True,
                   capture_output=True)
    out = tmp_path / "memory.json"
    r = subprocess.run([sys.executable, "-m", "memd", "export", "json", str(out)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["format"] == "memd-memory" and doc["entities"][0]["facts"][0]["value"] == "Oslo"
    r = subprocess.run([sys.executable, "-m", "memd", "export", "json", str(tmp_path / "no/such/dir/x.json")],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 1 and "no folder" in r.stderr


def test_schema_relations_and_each_file_read_once(app, vault, monkeypatch):
    from pathlib import Path

    from memd.exporters import json_export

    app.set_fact(None, "city", "Oslo", Source("ingest", ref="chat#3"))
    app.add_relation(None, "mother", "Maria", Source("test"))
    app.add_relation("Maria", "employer", "Acme", Source("test"))
    user = vault / "memory/user.md"
    user.write_text(user.read_text().replace("- city: Oslo", "- city: Bergen"))  # the user corrects memd's line
    app.index.scan()
    reads: list[str] = []
    real = Path.read_bytes

    def counting(self):
        reads.append(self.relative_to(vault).as_posix() if self.is_relative_to(vault) else str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", counting)
    doc = json_export.memory_document(app)
    memory_reads = [r for r in reads if r.startswith("memory/")]
    assert sorted(memory_reads) == sorted(set(memory_reads)) == sorted(e["path"] for e in doc["entities"])
    assert [(r["from"], r["relation"], r["to"]) for r in doc["relations"]] == [
        ("memory/user.md", "mother", "memory/entities/maria.md"),
        ("memory/entities/maria.md", "employer", "memory/entities/acme.md")]
    for r in doc["relations"]:  # `line` is where the relation is written
        assert "[[" in (vault / r["from"]).read_text().split("\n")[r["line"] - 1]
    facts = {f["key"]: f for f in doc["entities"][0]["facts"]}
    assert facts["city"]["value"] == "Bergen" and facts["city"]["written_by"] == "hand"
    assert facts["mother"]["written_by"] == "memd" and facts["mother"]["norm_key"] == "mother"
    assert isinstance(facts["mother"]["journal_id"], int) and facts["mother"]["ts"]
    for e in doc["entities"]:
        for f in e["facts"]:
            assert set(f) <= {"key", "norm_key", "value", "section", "line", "nested", "targets", "written_by",
                              "journal_id", "ts", "source"}
