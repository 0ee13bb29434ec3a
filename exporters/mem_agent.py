"""`memd export mem-agent DIR`: the memory as a strict mem-agent memory that Dria's mem-agent
(its MCP server and model) reads as it is.

The vault's memory already follows the standard loosely; Obsidian lets a person write more than
the model was trained on. The export is the strict form (seeds/000, 001):

  DIR/user.md, DIR/entities/<slug>.md   flat; slugs are the vault's file names where they are
                                        already snake_case, else slugified (unique)
  no frontmatter                        (aliases and other properties are dropped; counted)
  links exactly `[[entities/<slug>.md]]` every Obsidian form that resolves to an entity
                                        (`[[Jane Doe]]`, `[[jane_doe|Jane]]`, `[[x#h]]`, `![[x]]`,
                                        `[Jane](entities/jane_doe.md)`) is rewritten to it; a
                                        link to anything else (a transcript, a note outside
                                        memory) becomes its plain text, because mem-agent's
                                        go_to_link could not follow it
  no provenance addresses               trailing `[[note#^block|↗]]` and `^block` ids removed
  size limits                           mem-agent-mcp's settings: 1 MiB a file, 10 MiB a folder,
                                        100 MiB in all. Over a folder or total limit the export
                                        is refused; a file over 1 MiB is refused too, unless
                                        `trim`, which drops its last fact blocks until it fits
                                        and lists every one dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from memd.errors import MemdError
from memd.exporters.output import write_tree
from memd.exporters.snapshot import EntityFile, Snapshot, strip_addresses, take
from memd.vault.links import _code_mask, split_target
from memd.vault.memfile import split_lines
from memd.vault.slugs import slugify

FILE_SIZE_LIMIT = 1024 * 1024
DIR_SIZE_LIMIT = 10 * 1024 * 1024
MEMORY_SIZE_LIMIT = 100 * 1024 * 1024

_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
_MDLINK = re.compile(r"(!?)\[([^\[\]\n]*)\]\(\s*<?([^)\s>]+)>?\s*\)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class SizeLimitError(MemdError):
    """The export would break one of mem-agent's size limits."""


def slugs_for(snapshot: Snapshot) -> dict[str, str]:
    """Vault path -> path inside the export (`user.md`, `entities/<slug>.md`), stable and unique."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for f in snapshot.files:
        if f.is_user:
            out[f.path] = "user.md"
            continue
        stem = f.stem if slugify(f.stem) == f.stem else slugify(f.title if f.title else f.stem)
        slug, n = stem, 2
        while slug.casefold() in taken:
            slug = f"{stem}_{n}"
            n += 1
        taken.add(slug.casefold())
        out[f.path] = f"entities/{slug}.md"
    return out


class _Converter:
    def __init__(self, app: Any, mapping: dict[str, str]):
        self.app = app
        self.mapping = mapping
        self.links_rewritten = 0
        self.links_flattened = 0

    def _resolve(self, target: str, source: str, markdown: bool) -> str | None:
        if not target:
            return None
        found = self.app.index.resolve(target, source, markdown=markdown)
        return found if found in self.mapping else None

    def line(self, line: str, source: str) -> str:
        line = strip_addresses(line)
        if "[" not in line:
            return line

        def wiki(m: re.Match[str]) -> str:
            target, fragment, alias = split_target(m.group(2))
            found = self._resolve(target, source, False)
            if found:
                self.links_rewritten += 1
                return f"[[{self.mapping[found]}]]"
            self.links_flattened += 1
            return alias or (target.rsplit("/", 1)[-1].removesuffix(".md") if target else (fragment or "").lstrip("^"))

        def md(m: re.Match[str]) -> str:
            dest = m.group(3)
            if _SCHEME.match(dest) or dest.startswith("#"):
                return m.group(0)  # a URL stays a URL: mem-agent reads it as text
            from urllib.parse import unquote

            found = self._resolve(unquote(dest.split("#", 1)[0]), source, True)
            if found:
                self.links_rewritten += 1
                return f"[[{self.mapping[found]}]]"
            self.links_flattened += 1
            return m.group(2) or dest
        line = _WIKILINK.sub(wiki, line)
        if "](" in line:
            line = _MDLINK.sub(md, line)
        return line

    def file(self, f: EntityFile) -> str:
        lines = f.doc.lines[f.doc.fm_end:]
        while lines and not lines[0].strip():
            lines = lines[1:]
        mask = _code_mask(lines)
        out = [line if mask[i] else self.line(line, f.path) for i, line in enumerate(lines)]
        if f.is_user and not (out and out[0].startswith("# ")):
            out.insert(0, "# User Information")
        elif not f.is_user and not (out and out[0].startswith("# ")):
            out.insert(0, f"# {f.title}")  # mem-agent's files start with the entity's name
        while out and not out[-1].strip():
            out.pop()
        return "\n".join(out) + "\n"


def _trim(text: str, limit: int) -> tuple[str, list[str]]:
    """Drop whole top-level blocks (a bullet with its indented lines, a heading) from the end
    until the file fits; return the text and the first line of each block dropped."""
    lines, _ = split_lines(text)
    blocks: list[list[str]] = []
    for line in lines:
        top = not line[:1].isspace()
        if top or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    dropped: list[str] = []
    while len(blocks) > 1 and len(("\n".join(l for b in blocks for l in b) + "\n").encode()) > limit:
        block = blocks.pop()
        if any(l.strip() for l in block):
            dropped.append(block[0].strip())
    return "\n".join(l for b in blocks for l in b) + "\n", dropped[::-1]


def build(app: Any, *, trim: bool = False) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The export's files and a report of what was changed on the way."""
    snapshot = take(app)
    mapping = slugs_for(snapshot)
    conv = _Converter(app, mapping)
    files: dict[str, bytes] = {}
    cut: list[dict[str, Any]] = []
    frontmatter_dropped = 0
    too_big: list[str] = []
    for f in snapshot.files:
        if f.doc.fm_end:
            frontmatter_dropped += 1
        text = conv.file(f)
        data = text.encode("utf-8")
        if len(data) > FILE_SIZE_LIMIT:
            if not trim:
                too_big.append(f"{f.path} ({len(data):,} bytes)")
                continue
            text, dropped = _trim(text, FILE_SIZE_LIMIT)
            data = text.encode("utf-8")
            if len(data) > FILE_SIZE_LIMIT:  # one line alone over the limit: nothing sensible to keep
                too_big.append(f"{f.path} (its first line alone is {len(data):,} bytes)")
                continue
            cut.append({"path": mapping[f.path], "from": f.path, "dropped": dropped})
        files[mapping[f.path]] = data
    if not snapshot.files:
        raise MemdError(f"the memory folder holds no user.md and no entities (looked in {app.memory_dir}/)")
    if too_big:
        raise SizeLimitError(f"over mem-agent's {FILE_SIZE_LIMIT // 1024 // 1024} MiB file limit: "
                             + ", ".join(too_big[:5]) + (f" and {len(too_big) - 5} more" if len(too_big) > 5 else ""),
                             hint="pass --trim to cut their last facts (each listed in the report)")
    entities = sum(len(d) for p, d in files.items() if p.startswith("entities/"))
    total = sum(len(d) for d in files.values())
    if entities > DIR_SIZE_LIMIT or total > DIR_SIZE_LIMIT:
        raise SizeLimitError(f"the export is {total:,} bytes ({entities:,} in entities/); mem-agent's limit is"
                             f" {DIR_SIZE_LIMIT // 1024 // 1024} MiB a folder")
    if total > MEMORY_SIZE_LIMIT:  # implied by the folder limit today; kept in case that is raised
        raise SizeLimitError(f"the export is {total:,} bytes; mem-agent's memory limit is 100 MiB")
    report = {
        "entities": len(files) - (1 if "user.md" in files else 0),
        "links_rewritten": conv.links_rewritten,
        "links_flattened": conv.links_flattened,
        "frontmatter_dropped": frontmatter_dropped,
        "cut": cut,
        "unreadable": snapshot.unreadable,
        "renamed": {v: k for k, v in mapping.items() if Path(k).name != Path(v).name},
        "limits": {"file": FILE_SIZE_LIMIT, "folder": DIR_SIZE_LIMIT, "memory": MEMORY_SIZE_LIMIT},
    }
    return files, report


def export_mem_agent(app: Any, out: Path, *, trim: bool = False, force: bool = False) -> dict[str, Any]:
    files, report = build(app, trim=trim)
    written = write_tree(app, out, files, force=force)
    return {**written, **report, "written": sorted(files)}
