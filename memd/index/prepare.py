"""Reading and parsing one file for the index — the part of indexing that needs no database.

A module-level function of plain arguments, so a large scan can run it in a worker process
while the main process writes to SQLite (two cores: parse and insert overlap).

What it returns is shaped for the writer, not for Python code: the rows the index tables take,
as plain tuples in the order of the INSERT statements' columns. Two reasons, both measured on a
10k-note vault (bench/index_bench.py): pickling dataclasses (ParsedNote, Chunk, Link) cost more
than parsing them (1.1 s for 29 MB, against ~0.1 s for the same text in tuples), and the writer
then passes the tuples straight to `executemany` without building anything per row.
"""

from __future__ import annotations

import json
import os
import re
from typing import NamedTuple

from memd.index.parse import decode_note, is_binary, read_note
from memd.vault.atomic import sha256
from memd.vault.links import NameTable, target_key


class Settings(NamedTuple):
    vault: str
    max_bytes: int
    chunk_chars: int


class Job(NamedTuple):
    rel: str
    size: int
    mtime_ns: int
    kind: str  # note | memory | source | attachment
    prev_hash: str | None  # the hash the index holds, if any


# Row shapes (memd.index.writer inserts them in this column order):
#   chunk: (heading, level, start_line, end_line, block, speaker, time, source_id, text, context)
#   fact:  (section, key, norm_key, value, line)
#   link:  (line, raw, target, key, fragment, embed, markdown)
class Prepared(NamedTuple):
    path: str
    kind: str
    size: int
    mtime_ns: int
    hash: str | None
    same: bool  # content identical to what the index holds: only the stat is refreshed
    title: str
    h1: str | None  # the name the note answers to besides its path (H1, else frontmatter title)
    alias_text: str  # the aliases, space-separated, as FTS indexes them
    aliases_json: str  # the notes table's columns, encoded here (off the writer's thread)
    tags_json: str
    warning: str | None
    chunks: list[tuple]
    facts: list[tuple]
    links: list[tuple]
    names: list[tuple[str, int]]  # NameTable.names_for(path, h1, aliases): what links to it may say


_JSON_ESCAPED = re.compile(r'[\x00-\x1f"\\]')


def _json(values: list[str]) -> str:
    """json.dumps(values, ensure_ascii=False), written directly when no string needs escaping."""
    if not values:
        return "[]"
    if all(type(v) is str for v in values) and not any(_JSON_ESCAPED.search(v) for v in values):
        return '["' + '", "'.join(values) + '"]'
    return json.dumps(values, ensure_ascii=False)


def _stem(rel: str) -> str:
    stem = rel.rsplit("/", 1)[-1]
    return stem[:-3] if stem.lower().endswith(".md") else stem


def _read_file(path: str, size: int) -> bytes:
    """The file's bytes, read with two system calls where open().read() made a file object, a
    buffer and an fstat per note (a third of the cost of reading a vault of small notes). Read
    to the end whatever `size` says: the file may have grown since it was listed."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        parts = [os.read(fd, size + 1)]
        while parts[-1]:
            parts.append(os.read(fd, 1 << 16))
        return parts[0] if len(parts) == 2 else b"".join(parts)
    finally:
        os.close(fd)


_KEYS: dict[str, str] = {}  # link target -> its key, for targets not relative to their note
_KEYS_MAX = 20_000  # (emptied when full: a bound on memory, whatever the vault's size)


def _key(target: str, rel: str) -> str:
    """target_key(target, rel), remembered: most notes are linked from several others, and
    normalising a name (NFC, casefold, spaces) was a tenth of reading a note."""
    if "./" in target or ".\\" in target:
        return target_key(target, rel)  # relative to the linking note's folder: not shared
    key = _KEYS.get(target)
    if key is None:
        if len(_KEYS) >= _KEYS_MAX:
            _KEYS.clear()
        key = _KEYS[target] = target_key(target)
    return key


def _bare(job: Job, digest: str | None, warning: str | None, same: bool = False) -> Prepared:
    """A file indexed by name only (attachment, too large, binary), or a stat-only refresh."""
    return Prepared(job.rel, job.kind, job.size, job.mtime_ns, digest, same, _stem(job.rel), None, "", "[]", "[]", warning,
                    [], [], [], NameTable.names_for(job.rel))


def prepare(job: Job, settings: Settings) -> tuple[Prepared | None, list[tuple[str, str]]]:
    """(what to store, warnings). None: nothing to store (vanished, or unreadable: rows kept)."""
    rel = job.rel
    if job.kind == "attachment":
        return _bare(job, None, None), []
    if job.size > settings.max_bytes:
        warning = f"larger than index.max_note_mb ({job.size / 1048576:.1f} MB); indexed by name only"
        return _bare(job, None, warning), [(rel, warning)]
    try:
        data = _read_file(os.path.join(settings.vault, rel), job.size)
    except FileNotFoundError:
        return None, []  # vanished between the walk and the read: the next scan confirms it gone
    except OSError as exc:
        return None, [(rel, f"cannot read: {exc.strerror or exc}; index rows kept")]
    digest = sha256(data)
    if job.prev_hash == digest:
        return _bare(job, digest, None, same=True), []
    if is_binary(data):
        warning = "binary content in a .md file; indexed by name only"
        return _bare(job, digest, warning), [(rel, warning)]
    text, warns = decode_note(data)
    parsed = read_note(rel, text, chunk_chars=settings.chunk_chars, is_memory=job.kind == "memory",
                       is_source=job.kind == "source")
    warns += parsed.warnings
    chunks = [(c.heading, c.level, c.start_line, c.end_line, c.block, c.speaker, c.time, c.source_id, c.text, c.context)
              for c in parsed.chunks]
    facts = [(f.section, f.key, f.norm_key, f.value, f.line) for f in parsed.facts]
    keys = _KEYS  # (a link's key looked up here first: a call per link was a tenth of this loop)
    links = [(line, raw, target, (keys.get(target) or _key(target, rel)) if target else "", fragment, int(embed),
              int(markdown)) for raw, target, fragment, _alias, embed, line, markdown in parsed.links]
    item = Prepared(rel, job.kind, job.size, job.mtime_ns, digest, False, parsed.title, parsed.h1,
                    " ".join(parsed.aliases), _json(parsed.aliases), _json(parsed.tags), "; ".join(warns) or None,
                    chunks, facts, links,
                    NameTable.names_for(rel, parsed.h1, parsed.aliases))
    return item, [(rel, w) for w in warns]
