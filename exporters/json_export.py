"""`memd export json [FILE]`: the whole memory as one JSON document, with who wrote each fact and
from which source. For scripts and for moving a memory into another tool; the markdown in the
vault stays the source of truth. Each entity file is read once (exporters.snapshot); provenance
comes from the state database's journal, one query per file.

Schema (format "memd-memory", version 1; fields are only ever added within a version):

  {
    "format": "memd-memory", "version": 1,
    "vault": "/abs/path/to/vault", "memory_dir": "memory",
    "entities": [                      the user first, then entity files by path
      {
        "name": "Maria Silva",         the file's `# Title` (else its file name)
        "path": "memory/entities/maria_silva.md",       vault-relative
        "aliases": ["Mãe"],            frontmatter aliases
        "is_user": false,
        "facts": [                     every `- key: value` line, in file order
          {
            "key": "birth_date",       as written;   "norm_key": its snake_case form
            "value": "1965-01-01",     the inline value ("" when the value is a nested list)
            "section": null,           the `## Section` it sits in (null: the main one)
            "line": 3,                 1-based line in the file
            "nested": ["- x", ...],    only for a fact with indented lines below it
            "targets": ["memory/entities/x.md"],   only for a relation: the files its links resolve to
            "written_by": "memd" | "hand",
            "journal_id": 17,          only when memd wrote it: the journal entry (`memd log`, `memd undo`)
            "ts": "2026-...",          when that entry was written
            "source": {"kind": "ingest", "ref": "chat#3", "detail": "...", "link": "..."}
          }
        ],
        "backlinks": ["memory/user.md"]    files (anywhere in the vault) that link to this one
      },
      {"name": ..., "path": ..., "error": "why it could not be read"}   an unreadable file
    ],
    "relations": [                     every relation once: from the file that states it
      {"from": "memory/user.md", "relation": "mother", "to": "memory/entities/maria_silva.md", "line": 5}
    ]
  }
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from memd.exporters.output import write_file
from memd.exporters.snapshot import EntityFile, take
from memd.state import added_lines, line_hash
from memd.vault.links import parse_links

FORMAT_VERSION = 1


def _provenance(app: Any, f: EntityFile) -> dict[str, dict[str, Any]]:
    """Fact line text -> the newest applied journal entry that added it, for lines memd still owns
    (a line memd wrote and the user then changed is the user's). What `memd why` says, for a
    whole file at once."""
    owned = app.state.owned_counts(f.path)
    if not owned:
        return {}
    wanted = {f.doc.lines[fact.index] for fact in f.doc.facts if owned.get(line_hash(f.doc.lines[fact.index]), 0) > 0}
    found: dict[str, dict[str, Any]] = {}
    for e in app.state.journal(path=f.path, limit=1_000_000):  # newest first
        if not wanted:
            break
        if e["status"] != "applied":
            continue
        for line in set(added_lines(e["change"])) & wanted:
            found[line] = e
            wanted.discard(line)
    return found


def _entity(app: Any, f: EntityFile, relations: list[dict[str, Any]]) -> dict[str, Any]:
    who = _provenance(app, f)
    facts = []
    for fact in f.doc.facts:
        line = f.doc.lines[fact.index]
        block = f.doc.lines[fact.index:fact.end]
        item: dict[str, Any] = {"key": fact.key, "norm_key": fact.norm_key, "value": fact.value,
                                "section": fact.section, "line": fact.index + 1}
        if len(block) > 1:
            item["nested"] = [l.strip() for l in block[1:]]
        targets = [t for link in parse_links("\n".join(block))
                   if (t := app.index.resolve(link.target, f.path, markdown=link.markdown)) and t != f.path]
        if targets:
            item["targets"] = list(dict.fromkeys(targets))
            relations += [{"from": f.path, "relation": fact.norm_key, "to": t, "line": fact.index + 1}
                          for t in item["targets"]]
        entry = who.get(line)
        item["written_by"] = "memd" if entry else "hand"
        if entry:
            item.update(journal_id=entry["id"], ts=entry["ts"], source=entry["source"])
        facts.append(item)
    backlinks = list(dict.fromkeys(b["source"] for b in app.index.backlinks(f.path)))
    return {"name": f.doc.title or f.title, "path": f.path, "aliases": f.aliases, "is_user": f.is_user,
            "facts": facts, "backlinks": backlinks}


def memory_document(app: Any) -> dict[str, Any]:
    snap = take(app)
    relations: list[dict[str, Any]] = []
    entities = [_entity(app, f, relations) for f in snap.files]
    entities += [{"name": Path(u["path"]).stem, "path": u["path"], "error": u["error"]} for u in snap.unreadable]
    return {"format": "memd-memory", "version": FORMAT_VERSION, "vault": str(app.config.vault),
            "memory_dir": app.memory_dir, "entities": entities, "relations": relations}


def export_json(app: Any, out: Path, *, force: bool = False) -> dict[str, Any]:
    doc = memory_document(app)
    written = write_file(app, out, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode(), kind="json",
                         force=force)
    return {**written, "entities": len(doc["entities"]), "relations": len(doc["relations"]),
            "facts": sum(len(e.get("facts", [])) for e in doc["entities"])}
