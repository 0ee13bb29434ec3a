"""The memory's entity files, each read once, for the exporters that need their text.

Entities are `user.md` and the files under the entities folder (the mem-agent standard); other
notes in the memory folder (the review note, a person's own notes) are not entities and are left
out. The list comes from the index (brought up to date first, a stat per file), the text from
disk, read once here and handed to whichever exporter needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memd.vault.memfile import MemoryDoc
from memd.vault.writer import decode

# What H3's provenance option appends to a fact line, `[[note#^block|↗]]`, and an Obsidian
# block id `^abc123` at a line's end: addresses for Obsidian, not part of the fact.
PROVENANCE = re.compile(r"[ \t]*\[\[[^\[\]\n]*\|\s*↗\s*\]\][ \t]*$")
BLOCK_ID = re.compile(r"[ \t]+\^[A-Za-z0-9-]+[ \t]*$")


def strip_addresses(line: str) -> str:
    """A line without its trailing provenance links and block id."""
    while True:
        new = BLOCK_ID.sub("", PROVENANCE.sub("", line))
        if new == line:
            return line
        line = new


@dataclass
class EntityFile:
    path: str  # vault-relative
    title: str  # `# Title`, else the file name
    aliases: list[str]
    is_user: bool
    text: str
    doc: MemoryDoc = field(repr=False)

    @property
    def stem(self) -> str:
        return Path(self.path).stem


@dataclass
class Snapshot:
    files: list[EntityFile]  # the user first, then entities by path
    unreadable: list[dict[str, str]]  # {path, error}: reported, never fatal

    def by_path(self) -> dict[str, EntityFile]:
        return {f.path: f for f in self.files}


def is_entity_path(app: Any, path: str) -> bool:
    return path == app.user_path or (path.startswith(app.entities_dir + "/") and path.endswith(".md"))


def require_vault(app: Any) -> None:
    """Every export starts here: an unmounted drive or a moved vault must not export an empty
    (or stale) memory, nor have a base written into a folder created in its place."""
    if not app.config.vault.is_dir():
        from memd.errors import VaultError

        raise VaultError(f"vault not found: {app.config.vault}", hint="is the drive mounted? fix `vault` in the config")


def take(app: Any) -> Snapshot:
    require_vault(app)
    vault = app.config.vault
    app.ensure_memory_indexed()
    files: list[EntityFile] = []
    unreadable: list[dict[str, str]] = []
    notes = [n for n in app.index.memory_notes() if is_entity_path(app, n["path"])]
    notes.sort(key=lambda n: (n["path"] != app.user_path, n["path"]))
    for note in notes:
        try:
            text = decode((vault / note["path"]).read_bytes())[0]
        except FileNotFoundError:
            continue  # removed since the index saw it
        except OSError as exc:
            unreadable.append({"path": note["path"], "error": exc.strerror or str(exc)})
            continue
        title = note["title"] or Path(note["path"]).stem
        files.append(EntityFile(note["path"], title, list(note["aliases"]), note["path"] == app.user_path,
                                text, MemoryDoc.parse(text)))
    return Snapshot(files, unreadable)
