"""`memd export base`: `memory/Memory.base`, an Obsidian Bases table of the entities.

Bases reads a note's properties (frontmatter) and file fields (`file.links`, `file.backlinks`,
`file.mtime`...), never the note's body. memd's entity files are frontmatter-less on purpose
(mem-agent reads them as they are, and memd never adds frontmatter to a file), so the facts in
their `- key: value` lines are not properties Bases could show. The base therefore carries them
itself, as two formulas written at export time: `relationship` (how the user relates to the
entity) and `key_facts` (its first few facts), each a chain of `if(file.path == "...", "...")`
over the entities. They are a snapshot: `memd export base` again brings them up to date. Past
MAX_LOOKUP entities the chain stops (the table still lists every entity, with its links).

The file is written through the writer like any vault file memd owns: journaled, atomic, and
replaced only while it still holds what memd last wrote (a base the user edited in Obsidian's
view editor is kept unless `--force`). A `.base` is not markdown, so the index and the memory
parser never read it as an entity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from memd.exporters.output import write_file
from memd.exporters.snapshot import is_entity_path, require_vault
from memd.query.graph import Entity, MemoryGraph

BASE_NAME = "Memory.base"
KEY_FACTS = 3  # facts per entity in the key_facts column
MAX_LOOKUP = 400  # entities whose facts the formulas carry (an if-chain per column)
MAX_CELL = 160  # characters of a key_facts cell


def _key_facts(ent: Entity) -> str:
    picked = [f for f in ent.attributes if f.norm_key not in ("relationship", "name", "user_name")][:KEY_FACTS]
    text = "; ".join(f"{f.key.replace('_', ' ')}: {f.value}" for f in picked)
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1].rstrip() + "…"


def _relationship(ent: Entity, user_path: str) -> str:
    for f in ent.attributes:
        if f.norm_key == "relationship":
            return f.value
    return ", ".join(sorted({f.key.replace("_", " ") for f, src in ent.incoming if src == user_path}))


def _chain(values: list[tuple[str, str]]) -> str:
    """`if(file.path == "a", "x", if(file.path == "b", "y", ""))`: a lookup by path."""
    expr = '""'
    for path, value in reversed(values):
        expr = f"if(file.path == {json.dumps(path, ensure_ascii=False)}, {json.dumps(value, ensure_ascii=False)}, {expr})"
    return expr


def build(app: Any) -> tuple[str, dict[str, Any]]:
    require_vault(app)
    graph = MemoryGraph.load(app)
    ents = [graph.entities[p] for p in sorted(graph.entities) if is_entity_path(app, p) and p != graph.user_path]
    looked_up = ents[:MAX_LOOKUP]
    rel = [(e.path, v) for e in looked_up if (v := _relationship(e, graph.user_path))]
    facts = [(e.path, v) for e in looked_up if (v := _key_facts(e))]
    doc: dict[str, Any] = {
        "filters": {"and": [f'file.inFolder({json.dumps(app.entities_dir)})', 'file.ext == "md"']},
        "formulas": {"relationship": _chain(rel), "key_facts": _chain(facts)},
        "properties": {
            "file.name": {"displayName": "Entity"},
            "formula.relationship": {"displayName": "Relationship"},
            "formula.key_facts": {"displayName": "Key facts"},
            "file.links": {"displayName": "Links to"},
            "file.backlinks": {"displayName": "Linked from"},
            "file.mtime": {"displayName": "Updated"},
        },
        "views": [
            {"type": "table", "name": "Entities",
             "order": ["file.name", "formula.relationship", "formula.key_facts", "file.links", "file.backlinks",
                       "file.mtime"],
             "sort": [{"property": "file.name", "direction": "ASC"}]},
            {"type": "table", "name": "Recently updated", "limit": 50,
             "order": ["file.name", "formula.key_facts", "file.mtime"],
             "sort": [{"property": "file.mtime", "direction": "DESC"}]},
        ],
    }
    head = ("# Written by `memd export base`: the entities of memory/ and their key facts (a snapshot;\n"
            "# run it again to refresh). Edit freely: memd will not overwrite your changes without --force.\n")
    text = head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1_000_000)
    info = {"entities": len(ents), "with_facts": len(facts), "beyond_lookup": max(0, len(ents) - MAX_LOOKUP),
            "columns": [doc["properties"][c]["displayName"] for c in doc["views"][0]["order"]]}
    return text, info


def export_base(app: Any, *, force: bool = False) -> dict[str, Any]:
    text, info = build(app)
    out = Path(app.config.vault) / app.memory_dir / BASE_NAME
    return {**write_file(app, out, text.encode("utf-8"), kind="base", force=force), **info}
