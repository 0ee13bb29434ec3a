"""The memory as a small graph for answering questions: entities, their facts, their relations.

Read from the index (its facts table and resolved links), so every layout the index reads counts:
`- key: value`, `- **Key**: value`, nested lists, and tables in memory files (a two-column
`| Key | Value |` table, or a table whose header names the keys and whose rows are records). An
entity's name is its `# Title`, then its aliases, then its file name; a relation is a fact line
whose value links to another memory file (`- partner: [[entities/joao.md]]`,
`- **Shares_Resources_With**: [[carlos_mendes.md]]`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from memd.vault.memfile import normalize_key

_TABLE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MARKUP = re.compile(r"\*\*|__|`")
_GENERIC_TITLES = {"user information", "user", "about me", "me", "profile"}


def note_link(path: str) -> str:
    """An Obsidian link to a vault note: `memory/user.md` -> `[[memory/user]]`."""
    return f"[[{path[:-3] if path.endswith('.md') else path}]]"


@dataclass
class GraphFact:
    key: str  # as written
    norm_key: str
    value: str
    line: int
    section: str | None
    targets: list[str] = field(default_factory=list)  # memory files the value links to


@dataclass
class Entity:
    path: str
    title: str  # the `# Title`, else the file name
    aliases: list[str]
    is_user: bool
    facts: list[GraphFact] = field(default_factory=list)

    incoming: list[tuple[GraphFact, str]] = field(default_factory=list)  # (relation, from path)

    @property
    def relations(self) -> list[GraphFact]:
        return [f for f in self.facts if f.targets]

    def edges(self) -> list[tuple[GraphFact, str]]:
        """(relation, other entity's path) both ways: mem-agent writes a relation in either
        file, or both (`- **Organizes_Event_At**: [[carlos.md]]` sits in the place's file)."""
        return [(f, t) for f in self.facts for t in f.targets] + self.incoming

    @property
    def attributes(self) -> list[GraphFact]:
        return [f for f in self.facts if not f.targets]

    @property
    def name(self) -> str:
        """The entity's own name: a stated name line before the `# Title` ("# Team Lead Profile"
        with `- name: Maya Chen` is Maya Chen); the user with only `# User Information` is "user"."""
        for f in self.facts:
            if f.norm_key in ("user_name", "name", "full_name", "preferred_name") and not f.targets:
                return f.value
        if self.is_user and self.title.lower() in _GENERIC_TITLES:
            return "user"
        return self.title


class MemoryGraph:
    def __init__(self, entities: dict[str, Entity], user_path: str):
        self.entities = entities
        self.user_path = user_path

    @property
    def user(self) -> Entity | None:
        return self.entities.get(self.user_path)

    @classmethod
    def load(cls, app: Any) -> "MemoryGraph":
        """The graph of the memory as indexed now; built once per index version (every search
        expands its query with it, so it must not cost a read of every memory file each time)."""
        app.ensure_memory_indexed()
        version = app.index.search_cache.version()
        cached = getattr(app, "_memory_graph", None)
        if cached is not None and cached[0] == version:
            return cached[1]
        graph = cls._build(app)
        app._memory_graph = (version, graph)
        return graph

    @classmethod
    def _build(cls, app: Any) -> "MemoryGraph":
        index = app.index
        conn = index.reader()
        entities: dict[str, Entity] = {}
        for note in index.memory_notes():
            path = note["path"]
            stem = path.rsplit("/", 1)[-1][:-3] if path.endswith(".md") else path
            entities[path] = Entity(path, note["title"] or stem, note["aliases"], path == app.user_path)
        links: dict[str, list[tuple[int, str]]] = {}
        q = ("SELECT n.path, l.line, l.dst FROM links l JOIN notes n ON n.id = l.src"
             " WHERE n.kind = 'memory' AND l.dst IS NOT NULL")
        for path, line, dst in conn.execute(q):
            if dst in entities and dst != path:
                links.setdefault(path, []).append((line, dst))
        rows = index.facts(limit=1_000_000)
        fact_lines: dict[str, set[int]] = {}
        for f in rows:
            fact_lines.setdefault(f["path"], set()).add(f["line"])
        for f in rows:
            ent = entities.get(f["path"])
            if ent is None:
                continue
            value = _MARKUP.sub("", f["value"]).strip()
            items = value.split("; ") if "; " in value else [value]
            # A fact's links are on its own line and on its nested lines (`- major_clients:`
            # followed by a list of links): one line per nested item.
            own = fact_lines[f["path"]]
            span = range(f["line"], f["line"] + len(items) + 1)
            targets = [dst for line, dst in links.get(f["path"], [])
                       if line in span and (line == f["line"] or line not in own)]
            ent.facts.append(GraphFact(f["key"], f["norm_key"], value, f["line"], f["section"], list(dict.fromkeys(targets))))
            if not targets:
                ent.facts.extend(_nested_facts(f, items))
        for ent in entities.values():
            ent.facts.extend(_table_facts(app, ent, {f.line for f in ent.facts}))
        for ent in list(entities.values()):
            for f in ent.relations:
                for t in f.targets:
                    entities[t].incoming.append((f, ent.path))
        return cls(entities, app.user_path)


_NESTED = re.compile(r"^([^:;\[\]]{1,40}):\s+(.+)$")


def _nested_facts(f: dict[str, Any], items: list[str]) -> list[GraphFact]:
    """`- contact:` with nested `- email: x` lines is also the fact `contact email: x`."""
    out = []
    for item in items:
        m = _NESTED.match(item.strip())
        if m:
            key = f"{f['key']} {m.group(1)}"
            out.append(GraphFact(key, normalize_key(key), m.group(2).strip(), f["line"], f["section"]))
    return out


def _table_facts(app: Any, ent: Entity, taken: set[int]) -> list[GraphFact]:
    """Facts written as markdown tables: `| Key | Value |` rows, or records under a header row."""
    text = app._read_text(ent.path) or ""
    if "|" not in text:
        return []
    out: list[GraphFact] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not (_TABLE_ROW.match(lines[i]) and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1])):
            i += 1
            continue
        header = _cells(lines[i])
        j = i + 2
        while j < len(lines) and _TABLE_ROW.match(lines[j]):
            cells = _cells(lines[j])
            if j + 1 not in taken:
                if len(header) == 2 and header[0].lower() in ("key", "field", "attribute", "property", ""):
                    if cells[0] and len(cells) > 1:
                        out.append(GraphFact(cells[0], normalize_key(cells[0]), cells[1], j + 1, None))
                else:
                    label = cells[0] if cells else ""
                    for name, cell in zip(header[1:], cells[1:]):
                        if cell:
                            key = f"{label} {name}".strip()
                            out.append(GraphFact(key, normalize_key(key), cell, j + 1, None))
            j += 1
        i = j
    return out


def _cells(line: str) -> list[str]:
    return [_MARKUP.sub("", c).strip() for c in line.strip().strip("|").split("|")]
