"""Transcript `participants` as links to their memory files, where one exists.

    participants:
    - "[[memory/user|Ana]]"
    - ChatGPT
    - "[[memory/entities/jose_silva|José Silva]]"

The user (by the names memd knows them by) links to user.md; a person with an entity file links
to it; an assistant, or someone memory has no file for, stays plain text. So a transcript links
the people it is with in Obsidian's graph, and each of their files lists it among its backlinks.

Applied to a transcript's rendered text before the importer writes it (the names that resolve
then), and once more after its extraction (the people it just gave an entity file), by
importers/pipeline/write.py. A note is rewritten only when a link is new, so importing the same
export again still writes nothing.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Iterable

import yaml

from memd.vault.atomic import read_quiet, sha256
from memd.vault.links import RANK_NAME, RANK_TITLE, name_key
from memd.vault.writer import decode

if TYPE_CHECKING:
    from memd.app import Memd

MAX_LOOKUPS = 50  # a channel with hundreds of members links none of them rather than stall an import
_USERISH = {"user", "me", "you"}
_ASSISTANTS = {"chatgpt", "claude", "assistant", "ai"}
_UNSAFE_ALIAS = re.compile(r"[\[\]|\n]")


def targets(app: "Memd", participants: Iterable[str], turns: Iterable[Any], user_names: Iterable[str]) -> dict[str, str]:
    """participant name -> the vault path (without .md) their link points at."""
    users = {n.casefold() for n in user_names} | {n.casefold() for n in app.config.import_.me} | _USERISH
    speakers: dict[str, set[str]] = {}
    for t in turns:
        if t.author:
            speakers.setdefault(t.author, set()).add(t.role)
    out: dict[str, str] = {}
    names = [p for p in participants if isinstance(p, str) and p.strip() and not _UNSAFE_ALIAS.search(p)]
    if len(names) > MAX_LOOKUPS:
        return out
    user_target = app.user_path[:-3] if app.user_path.endswith(".md") else app.user_path
    for name in names:
        roles = speakers.get(name, set())
        if name.casefold() in users or roles == {"user"}:
            out[name] = user_target
            continue
        if name.casefold() in _ASSISTANTS or (roles and roles <= {"assistant", "system", "tool"}):
            continue  # the assistant of an AI chat is no one's entity
        path = _entity_path(app, name)
        if path is not None:
            out[name] = path[:-3] if path.endswith(".md") else path
    return out


def _entity_path(app: "Memd", name: str) -> str | None:
    """The entity file whose title (or alias) is `name`, exactly as memd names the files it
    creates for a speaker. One look-up in the index's name table: an import asks this about
    every speaker of every conversation, so it never scans all titles (find_entity's accent-
    insensitive fallback would, on every miss)."""
    key = name_key(" ".join(name.split()))
    entities = app.entities_dir.strip("/") + "/"
    with app.index.db.lock:  # the indexer thread changes the table while a scan runs
        found = dict(app.index.names().candidates(key))
    paths = []
    for path, rank in found.items():
        if rank < RANK_NAME or not path.startswith(entities) or not path.endswith(".md"):
            continue
        if rank < RANK_TITLE:  # the file's name: it counts when its title says the same ("ana.md" is not "# Ana Maria")
            note = app.index.note(path)
            if note is None or name_key(note["title"] or "") != key:
                continue
        paths.append(path)
    return paths[0] if len(paths) == 1 else None  # two files called the same: link neither


def _frontmatter_span(lines: list[str]) -> tuple[int, int] | None:
    if not lines or lines[0].rstrip("\r") != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r") in ("---", "..."):
            return 1, i
    return None


def link(text: str, links: dict[str, str]) -> str:
    """`text` (a transcript note) with its `participants` items that name a key of `links` as
    quoted wikilinks; everything else byte for byte as it was."""
    if not links:
        return text
    lines = text.split("\n")
    span = _frontmatter_span(lines)
    if span is None:
        return text
    start, end = span
    i = next((k for k in range(start, end) if lines[k].rstrip("\r") == "participants:"), None)
    if i is None:
        return text
    changed = False
    for k in range(i + 1, end):
        line = lines[k].rstrip("\r")
        if not line.startswith("- "):
            break
        try:
            name = yaml.safe_load(line[2:])
        except yaml.YAMLError:
            continue
        if isinstance(name, str) and name in links:
            lines[k] = "- " + json.dumps(f"[[{links[name]}|{name}]]", ensure_ascii=False)
            changed = True
    return "\n".join(lines) if changed else text


def relink(app: "Memd", path: str, links: dict[str, str], written_hash: str | None, source: Any) -> str | None:
    """After a conversation's extraction: link the participants who have a file now. The note is
    rewritten only if it still holds what the import wrote (`written_hash`) and a link is new;
    returns the new hash then, else None."""
    if not links or not written_hash:
        return None
    try:
        data = read_quiet(app.config.vault / path)
    except OSError:
        return None
    if sha256(data) != written_hash:
        return None
    text = decode(data)[0]
    new = link(text, links)
    if new == text:
        return None
    result = app.writer.write_whole(path, new, expected_hash=written_hash, source=source, index=False,
                                    op_name="link_participants")
    return result.hash_after if result.status == "applied" else None
