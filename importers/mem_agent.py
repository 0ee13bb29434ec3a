"""`memd import mem-agent DIR`: a mem-agent memory (user.md + entities/*.md, e.g. one that
mem-agent-mcp's tools or `memd export mem-agent` wrote) into this vault's memory.

Every change goes through the writer (journal, undo, review). Per source file:
  * the entity is found in the vault by its `# Title` (the source's user.md is the user);
  * a new entity's file is created with the source's lines, its links rewritten to where the
    linked entities live in this vault (`[[entities/<slug>.md]]`);
  * an entity the vault already has gets the source's facts merged in: a one-line fact as
    `fact set` would (a new single value replaces memd's own line, a hand-written line goes to
    review), a relation or a fact with nested lines is added, in its section, unless the same
    block is already there. Other prose lines of an existing entity are not merged (counted).
Links that point at no file of the source memory are kept as written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from memd.errors import InputFormatError, VaultError
from memd.extract.privacy import secret_kinds
from memd.state import Source
from memd.vault.links import name_key, split_target
from memd.vault.memfile import Edit, MemoryDoc
from memd.vault.operations import OPERATIONS, CreateFile, Operation, Plan, PlanContext, SetFact, USER_TITLE
from memd.vault.slugs import unique_slug
from memd.vault.writer import decode

FILE_LIMIT = 1024 * 1024  # mem-agent's own per-file limit; a bigger file is not a mem-agent memory file
_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")


@dataclass
class InsertBlock(Operation):
    """Add a block of lines (a relation, a fact with nested lines) to a section, unless the
    file already holds the same block. Only inserts, so it never needs review."""

    name: ClassVar[str] = "insert_block"
    path: str
    lines: list[str]
    section: str | None = None
    entity_name: str | None = None

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is None or not doc.lines:
            return Plan("create", "new file", content="\n".join(self.lines) + "\n")
        want = [l.rstrip() for l in self.lines]
        n = len(want)
        if any([l.rstrip() for l in doc.lines[i:i + n]] == want for i in range(len(doc.lines) - n + 1)):
            return Plan.noop("already recorded")
        section = doc.find_section(self.section)
        if section is not None:
            at = doc.insertion_point(section)
            return Plan("edit", "add", [Edit(at, at, list(self.lines))])
        at = len(doc.lines)
        while at > doc.fm_end and not doc.lines[at - 1].strip():
            at -= 1
        return Plan("edit", "add", [Edit(at, at, ["", f"## {self.section}", *self.lines])])


OPERATIONS.setdefault(InsertBlock.name, InsertBlock)


@dataclass
class SourceFile:
    rel: str  # inside the source memory: user.md, entities/x.md
    title: str
    doc: MemoryDoc
    is_user: bool


def read_memory(folder: Path) -> tuple[list[SourceFile], list[dict[str, str]]]:
    folder = folder.expanduser()
    if not folder.exists():
        raise InputFormatError(f"no folder at {folder}")
    if not folder.is_dir():
        raise InputFormatError(f"{folder} is not a folder; give the mem-agent memory folder (user.md + entities/)")
    if not (folder / "user.md").is_file() and not (folder / "entities").is_dir():
        inner = next((c for c in ("memory", "memory_dir") if (folder / c / "user.md").is_file()), None)
        hint = f" (did you mean {folder / inner}?)" if inner else ""
        raise InputFormatError(f"{folder} is not a mem-agent memory: it has no user.md and no entities/ folder{hint}")
    paths = [folder / "user.md"] if (folder / "user.md").is_file() else []
    if (folder / "entities").is_dir():
        for root, dirs, names in os.walk(folder / "entities"):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            paths += [Path(root) / n for n in sorted(names) if n.endswith(".md") and not n.startswith(".")]
    files, skipped = [], []
    for p in paths:
        rel = p.relative_to(folder).as_posix()
        try:
            if p.stat().st_size > FILE_LIMIT:
                skipped.append({"path": rel, "reason": f"over mem-agent's 1 MiB file limit ({p.stat().st_size:,} bytes)"})
                continue
            text = decode(p.read_bytes())[0]
        except OSError as exc:
            skipped.append({"path": rel, "reason": exc.strerror or str(exc)})
            continue
        doc = MemoryDoc.parse(text)
        files.append(SourceFile(rel, doc.title or p.stem, doc, rel == "user.md"))
    return files, skipped


def _source_index(files: list[SourceFile]) -> dict[str, SourceFile]:
    """How links inside the source memory find their file: path, path without .md, file name."""
    out: dict[str, SourceFile] = {}
    for f in files:
        stem = f.rel[:-3]
        for key in (stem, stem.rsplit("/", 1)[-1], f.title):
            out.setdefault(name_key(key), f)
    return out


def import_mem_agent(app: Any, folder: Path, *, dry_run: bool = False) -> dict[str, Any]:
    files, skipped = read_memory(Path(folder))
    if not files:
        raise InputFormatError(f"{folder} holds no readable memory files")
    if not app.config.vault.is_dir():
        raise VaultError(f"vault not found: {app.config.vault}")
    app.ensure_memory_indexed()
    src = _source_index(files)
    source = Source("import:mem-agent", ref=str(Path(folder).expanduser().resolve()))

    # Where each source file lives in this vault: an existing entity, or a new file.
    dest: dict[str, tuple[str, bool]] = {}  # rel -> (vault path, exists)
    new_slugs: set[str] = set()
    for f in files:
        if f.is_user:
            dest[f.rel] = (app.user_path, (app.config.vault / app.user_path).exists())
            continue
        ref = app.find_entity(f.title)
        if ref is not None and not ref.is_user:
            dest[f.rel] = (ref.path, True)
            continue
        stem = Path(f.rel).stem

        def taken(slug: str) -> bool:
            return slug in new_slugs or (app.config.vault / app.entities_dir / f"{slug}.md").exists()
        slug = unique_slug(stem, taken)
        new_slugs.add(slug)
        dest[f.rel] = (f"{app.entities_dir}/{slug}.md", False)

    def rewrite(line: str) -> str:
        def sub(m: re.Match[str]) -> str:
            target, _frag, _alias = split_target(m.group(2))
            hit = src.get(name_key(target.removesuffix(".md"))) or src.get(name_key(target.rsplit("/", 1)[-1].removesuffix(".md")))
            if hit is None:
                return m.group(0)
            return f"[[{dest[hit.rel][0][len(app.memory_dir) + 1:]}]]"
        return _WIKILINK.sub(sub, line) if "[[" in line else line

    report: dict[str, Any] = {"folder": str(Path(folder).expanduser().resolve()), "files": len(files),
                              "created": [], "merged": [], "counts": {}, "not_merged": 0, "skipped": skipped,
                              "secrets_refused": 0, "dry_run": dry_run}
    guard = app.config.privacy.redact_secrets

    def secret(lines: list[str]) -> bool:
        """[privacy] redact_secrets holds for imports too: a fact shaped like a secret is not stored."""
        if guard and secret_kinds("\n".join(lines)):
            report["secrets_refused"] += 1
            return True
        return False
    counts: dict[str, int] = {}

    def count(status: str) -> None:
        counts[status] = counts.get(status, 0) + 1

    # Entities first, so the user's relations point at files that exist when they are indexed.
    for f in sorted(files, key=lambda f: f.is_user):
        path, exists = dest[f.rel]
        lines = [rewrite(l) for l in f.doc.lines[f.doc.fm_end:]]
        if guard:
            drop = {i for fact in f.doc.facts
                    if secret(f.doc.lines[fact.index:fact.end]) for i in range(fact.index, fact.end)}
            in_facts = {i for fact in f.doc.facts for i in range(fact.index, fact.end)}
            drop |= {i for i in range(f.doc.fm_end, len(f.doc.lines))
                     if i not in in_facts and secret([f.doc.lines[i]])}
            lines = [l for i, l in enumerate(lines, start=f.doc.fm_end) if i not in drop]
        if not exists:
            report["created"].append(path)
            if not dry_run:
                content = "\n".join(lines).strip("\n") + "\n"
                count(app.writer.apply(CreateFile(path, content, f.title), source).status)
            continue
        report["merged"].append(path)
        for fact in f.doc.facts:
            block = [rewrite(l) for l in f.doc.lines[fact.index:fact.end]]
            while len(block) > 1 and not block[-1].strip():
                block.pop()
            if dry_run or (guard and secret_kinds("\n".join(block))):
                continue  # a secret was counted above
            one_line = len(block) == 1 and "[[" not in block[0] and fact.value
            if one_line:
                multi = len(f.doc.facts_for(fact.norm_key)) > 1
                op: Operation = SetFact(path, fact.key, fact.value, section=fact.section, multi=multi,
                                        entity_name=f.title, title=USER_TITLE if f.is_user else f.title)
            else:
                op = InsertBlock(path, block, section=fact.section, entity_name=f.title)
            count(app.writer.apply(op, source).status)
        fact_lines = {i for fact in f.doc.facts for i in range(fact.index, fact.end)}
        report["not_merged"] += sum(1 for i, l in enumerate(f.doc.lines)
                                    if i >= f.doc.fm_end and i not in fact_lines and l.strip()
                                    and not l.startswith("#"))
    report["counts"] = counts
    return report
