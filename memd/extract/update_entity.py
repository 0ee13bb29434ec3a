"""The entity a replaced relation now points to, created in the layout of the memory it joins.

"I'm no longer maintaining the DeepWave Sonar 3000, I maintain the AquaScan Pro 5000" changes
`- **Maintains**: [[deepwave_sonar_3000.md]]` to a link to a new file. In a memory written the
way mem-agent writes (bold Title Case keys, `## Basic Information` and `## Relationships`
sections, a `Type` line saying Person or Entity), the new file is written the same way:

    # AquaScan Pro 5000

    ## Basic Information
    - **Type**: Entity

    ## Relationships
    - **Maintains**: [[oskar_lindholm.md]]

The `Type` is the kind the name says (update_match.kind_of_name: "Dr. Sarah Chen" is a person,
"Genesis Array" a thing) or else the kind of the entity it replaces, which held the same place
in the same relation; with neither, no Type line is written. Nothing else is guessed (mem-agent's
`Entity Type` — "sonar equipment" — is not in the sentence). A memory in memd's own layout gets
memd's own file (Memd.ensure_entity), with the link back as a relation line.
"""

from __future__ import annotations

from memd.app import EntityRef, Memd
from memd.extract import update_match
from memd.state import Source
from memd.vault import memory_view as mv
from memd.vault import provenance
from memd.vault.memfile import MemoryDoc, normalize_key
from memd.vault.operations import ENTITY_RELATIONS, CreateFile, SetFact
from memd.vault.slugs import unique_slug
from memd.vault.writer import WriteResult


def _sections(doc: MemoryDoc) -> set[str]:
    return {(f.section or "").strip().casefold() for f in doc.facts}


def _mem_agent_layout(doc: MemoryDoc | None) -> bool:
    return doc is not None and mv.uses_bold_keys(doc) and "relationships" in _sections(doc)


def _title_key(key: str) -> str:
    """How mem-agent writes a relation key: Shares_Resources_With, Co-Owns."""
    return "_".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in normalize_key(key).split("_"))


def linked_entity(app: Memd, name: str, subject_doc: MemoryDoc | None, written_key: str, subject_path: str,
                  old_target: MemoryDoc | None, source: Source,
                  batch: str | None) -> tuple[EntityRef, list[WriteResult]]:
    """The entity `name` (found, or created linking back to the subject under `written_key`, the
    relation's key as the subject's file writes it)."""
    found = app.find_entity(name)
    if found:
        return found, []
    back = subject_path[len(app.memory_dir) + 1:]
    bare = subject_doc is not None and mv.bare_links(subject_doc)
    link = f"[[{back.rsplit('/', 1)[-1] if bare else back}]]"
    key = written_key.strip("*_ ") or normalize_key(written_key)
    if not _mem_agent_layout(subject_doc):
        tgt, created = app.ensure_entity(name, source, batch=batch)
        if created is None:
            return tgt, []
        op = SetFact(tgt.path, key, link, section=ENTITY_RELATIONS, multi=True)
        return tgt, [created, app.writer.apply(op, source, batch=batch)]
    clean = " ".join(name.split())
    kind = update_match.kind_of_name(clean) or update_match.kind_of_doc(old_target)
    src = provenance.compact(source.link) if app.config.memory.provenance_links else None
    body = [f"# {clean}", ""]
    if kind:
        body += ["## Basic Information", f"- **Type**: {'Person' if kind == 'person' else 'Entity'}", ""]
    written = written_key.strip("* ").strip()  # the key as the subject's file writes it ("Co-Owns")
    shown = written if written and "*" not in written and "[" not in written else _title_key(key)
    body += ["## Relationships", provenance.with_link(f"- **{shown}**: {link}", src)]
    slug = unique_slug(clean, app._slug_taken(clean))
    path = f"{app.entities_dir}/{slug}.md"
    result = app.writer.apply(CreateFile(path, "\n".join(body) + "\n", clean), source, batch=batch)
    return EntityRef(path, clean), [result]
