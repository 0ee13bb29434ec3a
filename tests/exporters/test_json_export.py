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
