"""Index rows for notes whose text is in hand: an import's transcript notes.

An import renders each transcript in a worker process (importers/plan_rules.py). Parsing it for
the index there, from the text already in memory, spares the importing process reading the file
back, hashing and parsing it again while it writes the next notes; what comes back are the rows
`Index.index_paths` would have made from the file (memd.index.prepare), stored here a batch per
transaction.

`prepare_text` mirrors memd.index.prepare.prepare for a file whose bytes are `text` encoded, and
answers None for whatever that function treats specially (too large, binary, a byte-order mark):
the caller then indexes the file by path, the ordinary way. tests/importers/test_pipeline_index.py
checks that both give the same rows.
"""

from __future__ import annotations

from typing import Any

from memd.index.parse import parse_note
from memd.index.prepare import Prepared, _json
from memd.index.writer import Row, write_batch

try:
    from memd.index.report import ScanReport
except ImportError:  # before the index's report had a module of its own
    from memd.index.index import ScanReport  # type: ignore[no-redef,attr-defined]

Index = Any  # memd.index.index.Index (not imported: it imports the scan modules this needs none of)
from memd.vault.atomic import sha256
from memd.vault.ignore import is_ignored_path
from memd.vault.links import NameTable, target_key


def prepare_text(rel: str, kind: str, text: str, *, chunk_chars: int, max_bytes: int) -> Prepared | None:
    """The rows of note `rel` (of `kind`, as Index.kind_of names it) holding `text`, before its stat
    is known (size is the text's, mtime_ns 0: `stored` fills them in). None: index it by path."""
    if kind not in ("note", "source") or text.startswith("\ufeff") or "\x00" in text:
        return None
    data = text.encode("utf-8")
    if len(data) > max_bytes:
        return None
    parsed = parse_note(rel, text, chunk_chars=chunk_chars, is_memory=kind == "memory", is_source=kind == "source")
    warns = list(parsed.warnings)
    chunks = [(c.heading, c.level, c.start_line, c.end_line, c.block, c.speaker, c.time, c.source_id, c.text, c.context)
              for c in parsed.chunks]
    facts = [(f.section, f.key, f.norm_key, f.value, f.line) for f in parsed.facts]
    links = [(l.line, l.raw, l.target, target_key(l.target, rel) if l.target else "", l.fragment, int(l.embed),
              int(l.markdown)) for l in parsed.links]
    return Prepared(rel, kind, len(data), 0, sha256(data), False, parsed.title, parsed.h1, " ".join(parsed.aliases),
                    _json(parsed.aliases), _json(parsed.tags), "; ".join(warns) or None, chunks, facts, links,
                    NameTable.names_for(rel, parsed.h1, parsed.aliases))


def usable(index: Index, item: Prepared, path: str, written_hash: str | None) -> bool:
    """Whether `item` (prepared elsewhere) is what indexing `path` now would make: the same path,
    kind and bytes memd just wrote (`written_hash`), a path the index does not exclude, and
    within the index's size limit. (A memory note is never prepared: indexing one also tells
    the app, Index.on_memory_note.)"""
    return (item.path == path and item.hash == written_hash and item.kind == index.kind_of(path)
            and item.size <= int(index.config.index.max_note_mb * 1024 * 1024)
            and not is_ignored_path(path, index.exclude))


def stored(index: Index, items: list[tuple[Prepared, Any]]) -> ScanReport:
    """Store prepared notes, each with the os.stat_result of its file as written, in one
    transaction (as Index.index_paths stores a batch it prepared itself)."""
    report = ScanReport()
    ready = [it._replace(size=st.st_size, mtime_ns=st.st_mtime_ns) for it, st in items]
    if not ready:
        return report
    report.scanned = len(ready)
    names = index.names()
    with index.db.tx() as c:
        rows = {}
        for it in ready:
            r = c.execute("SELECT id, size, mtime_ns, hash, kind FROM notes WHERE path = ?", (it.path,)).fetchone()
            if r is not None:
                rows[it.path] = Row(*r)
        # Content the index holds already: only the stat is refreshed (as prepare() marks it).
        ready = [it._replace(same=True) if it.path in rows and rows[it.path].hash == it.hash else it for it in ready]
        write_batch(c, ready, rows, report, names, bulk=False)
    return report
