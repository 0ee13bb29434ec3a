"""Export the memory as one JSON document: every entity with its facts, relations and events,
and for each fact whether memd or the user wrote it and from which source.

For scripts and for moving a memory into another tool. The markdown in the vault stays the
source of truth; this is a read-only view of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from memd.app import Memd
from memd.exporters.output import write_file

FORMAT_VERSION = 1


def memory_document(app: Memd) -> dict[str, Any]:
    app.ensure_memory_indexed()
    entities = []
    for note in app.index.memory_notes():
        name = "user" if note["path"] == app.user_path else note["title"]
        try:
            entity = app.get_entity(name if name == "user" else note["path"])
            why = {(f["line"]): f for f in app.why(name if name == "user" else note["path"])["facts"]}
        except Exception as exc:  # an unreadable file is reported, not fatal
            entities.append({"name": name, "path": note["path"], "error": str(exc)})
            continue
        items = []
        for f in entity["facts"] + entity["relations"]:
            w = why.get(f["line"], {})
            items.append({
                "key": f["key"], "value": f["value"], "section": f["section"], "line": f["line"],
                **({"nested": f["nested"]} if "nested" in f else {}),
                **({"targets": f["targets"]} if "targets" in f else {}),
                "written_by": w.get("written_by"),
                **({"source": w["source"], "journal_id": w["journal_id"]} if w.get("journal_id") else {}),
            })
        entities.append({"name": entity["name"], "path": note["path"], "aliases": note["aliases"],
                         "is_user": entity["is_user"], "facts": items,
                         "backlinks": [b["source"] for b in entity["backlinks"]]})
    entities.sort(key=lambda e: (not e.get("is_user", False), e["path"]))
    return {"format": "memd-memory", "version": FORMAT_VERSION, "vault": str(app.config.vault),
            "memory_dir": app.memory_dir, "entities": entities}


def export_json(app: Memd, out: Path, *, force: bool = False) -> dict[str, Any]:
    doc = memory_document(app)
    written = write_file(app, out, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode(), kind="json",
                         force=force)
    return {**written, "entities": len(doc["entities"]),
            "facts": sum(len(e.get("facts", [])) for e in doc["entities"])}
