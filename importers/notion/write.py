"""The one writer for Notion pages, whichever source read them (export zip, folder, API).

    report = write_pages(app, pages, dest="memory-sources/notion", dry_run=False)

`pages` is any iterable of NotionPage (model.py), in any order, a parent before or after its
children; a source that could not read a page yields a PageFailure for it instead (it is counted
and listed, the rest goes on). Each page's `parents` must list its known ancestors root first
(ids of pages or databases), a database row must have `database_id`, a database itself
`is_database=True` and `columns`. Attachments must stay readable (their `path` or `data`) until
write_pages returns.

Two passes:
1. Plan. Every page is read once, spooled to a temporary file (memory stays flat however big the
   export) and given its place: `<dest>/<parent names…>/<Name>.md`, a database as the folder
   `<Name>/` with `<Name>.base` in it, attachments beside their page. A page imported before
   keeps its path (the import ledger remembers it), so fact links keep working.
2. Write. Each note is rendered with links resolved and compared with what the ledger says memd
   last wrote: the same text is `unchanged` and nothing is touched; new text is written through
   the writer's whole-file compare-and-swap, which replaces a note only if it still holds memd's
   last bytes; a note the user edited is kept as it is (`kept`) and the new version goes to the
   review queue. New first-person paragraphs are then fed to the extraction loop as a document
   (role user; each fact links to `note#^block`), once each: the ledger remembers which were read.

Options: `attachments=False` copies no files (embeds become a plain mention), `extract=False`
skips extraction (a later run reads the blocks not yet read), `progress(phase, done, total)` is
called while reading ("reading", total None) and writing ("writing"). Takes the vault's import
lock (one import at a time; MemdError if another holds it). Nothing is written on a dry run; the
report says what would be. Returns a NotionReport (report.py; `to_json()` for --json).
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from memd.errors import InputFormatError, MemdError
from memd.state import Source
from memd.vault.atomic import sha256

from ..import_lock import import_lock
from ..ledger import DONE, EDITED, PENDING, Ledger, turn_digest
from .feed import Feeder
from .files import FILE_SOURCE, write_attachments
from .model import NotionPage, PageFailure
from .names import disambiguate, name_key, safe_file_name, safe_name, split_ext
from .render import anchor_blocks, base_file, frontmatter, note_properties, resolve_placeholders, wikilink
from .report import NotionReport
from .spool import spooled

SOURCE = "notion"
INDEX_BATCH = 200
Progress = Callable[[str, int, int | None], None]


class _Planned:
    __slots__ = ("id", "title", "parents", "is_database", "database_id", "seq", "stem", "path", "aliases",
                 "files", "names")

    def __init__(self, page: NotionPage, seq: int):
        self.id, self.title, self.parents = page.notion_id, page.title, page.parents
        self.is_database, self.database_id, self.seq = page.is_database, page.database_id, seq
        self.stem = ""  # vault path without extension (a database: its folder)
        self.path = ""  # the note (a database: its .base file)
        self.aliases: list[str] = []
        self.files: dict[str, str] = {}  # attachment key -> vault path
        self.names = [(a.key, a.name) for a in page.attachments]


def write_pages(app: Any, pages: Iterable[NotionPage | PageFailure], *, dest: str = "memory-sources/notion",
                dry_run: bool = False, attachments: bool = True, extract: bool = True,
                progress: Progress | None = None) -> NotionReport:
    """Write `pages` into the vault under `dest` (see the module docstring)."""
    return _Writer(app, dest, dry_run, attachments, extract, progress).run(pages)


class _Writer:
    def __init__(self, app: Any, dest: str, dry_run: bool, attachments: bool, extract: bool,
                 progress: Progress | None):
        self.app, self.dry_run, self.attachments, self.extract = app, dry_run, attachments, extract
        self.dest = dest.strip("/")
        self.progress = progress
        self.ledger = Ledger(app.state)
        self.report = NotionReport(dry_run=dry_run)
        self.plan: dict[str, _Planned] = {}
        self.stems: dict[str, str] = {}  # name_key(stem) -> page id
        self.files: dict[str, str] = {}  # name_key(attachment path) -> owner
        self.base_names: Counter[str] = Counter()
        self.file_names: Counter[str] = Counter()  # attachment file names, for bare or qualified embeds
        self.unindexed: list[str] = []
        self.placing: set[str] = set()
        self.clashes: dict[str, set[str]] = {}  # file name -> notes of that name the index knows
        self.known: set[str] = set()  # pages the ledger has seen before (read once, in the plan)
        self.feeder = Feeder(app, self.ledger, self.report, enabled=extract and not dry_run)

    # -- driver ----------------------------------------------------------------------------------
    def run(self, pages: Iterable[NotionPage | PageFailure]) -> NotionReport:
        with self._lock(), spooled(self.app) as spool:
            for item in pages:
                if isinstance(item, PageFailure):
                    self.report.fail(item.source_path or "", item.notion_id, item.reason)
                    continue
                if item.notion_id in self.plan:
                    self.report.skip(item.source_path or item.title, item.notion_id, "the same page twice")
                    continue
                self.plan[item.notion_id] = _Planned(item, spool.add(item))
                self._tick("reading", len(self.plan), None)
            if not self.plan and not self.report.failed_items:
                raise InputFormatError("no Notion pages found")
            self._place_all()
            ordered = sorted(self.plan.values(), key=lambda p: p.seq)
            for n, planned in enumerate(ordered, 1):
                page = spool.get(planned.seq)
                try:
                    self._write_one(page, planned)
                except MemdError as exc:
                    self.report.fail(planned.path, planned.id, str(exc))
                except OSError as exc:
                    self.report.fail(planned.path, planned.id, f"cannot write: {exc.strerror or exc}")
                except (ValueError, TypeError, UnicodeError, yaml.YAMLError) as exc:
                    # A value the note cannot hold (a source's bad data): this page fails, the rest go on.
                    self.report.fail(planned.path, planned.id, f"cannot render: {type(exc).__name__}: {exc}")
                if len(self.unindexed) >= INDEX_BATCH:
                    self._index()
                self._tick("writing", n, len(ordered))
            self._index()
            self.feeder.save()
        return self.report

    def _lock(self) -> Any:
        """One import at a time on a vault (the same lock file as the chat importers')."""
        return import_lock(self.app.config.state_dir, dry_run=self.dry_run)

    def _tick(self, phase: str, done: int, total: int | None) -> None:
        if self.progress is not None and (total is None and done % 100 == 0 or total is not None):
            self.progress(phase, done, total)

    # -- pass 1: places --------------------------------------------------------------------------
    def _place_all(self) -> None:
        # Parents first (shallow pages), then by id: the same export always gets the same names.
        order = sorted(self.plan.values(), key=lambda p: (len(p.parents), p.id))
        for p in order:
            entry = self.ledger.get(SOURCE, p.id)
            if entry is not None:
                self.known.add(p.id)
            if entry is not None and entry.path.startswith(self.dest + "/"):
                p.path = entry.path
                p.stem = _strip_ext(entry.path, p.is_database)
                self.stems[name_key(p.stem)] = p.id
        for p in order:
            if not p.path:
                self._place(p)
            name = p.stem.rsplit("/", 1)[-1]
            self.base_names[name_key(name)] += 1
            if name != p.title:
                p.aliases = [p.title]
        for p in order:
            self._place_files(p)

    def _folder_of(self, p: _Planned) -> str:
        for parent in reversed(p.parents):
            q = self.plan.get(parent)
            if q is not None:
                return q.stem if q.stem else self._place(q)
        return self.dest

    def _place(self, p: _Planned) -> str:
        if p.stem:
            return p.stem
        if p.id in self.placing:  # parents that name each other (bad source data): placed at the top
            return self.dest
        self.placing.add(p.id)
        folder = self._folder_of(p)
        name = safe_name(p.title, reserve=len(".base") + 8)
        stem = f"{folder}/{name}"
        if self._taken(stem, p.id):
            stem = f"{folder}/{disambiguate(name, p.id)}"
            n = 2
            while self._taken(stem, p.id):
                stem = f"{folder}/{disambiguate(name, p.id)} {n}"
                n += 1
        self.stems[name_key(stem)] = p.id
        p.stem = stem
        p.path = f"{stem}/{name_of(stem)}.base" if p.is_database else f"{stem}.md"
        return stem

    def _taken(self, stem: str, page_id: str) -> bool:
        owner = self.stems.get(name_key(stem))
        if owner is not None:
            return owner != page_id
        other = self.ledger.path_owner(stem + ".md")
        if other is not None and other != f"{SOURCE}:{page_id}":
            return True
        # A note of the user's at that place is never written over.
        return page_id not in self.known and (self.app.config.vault / f"{stem}.md").exists()

    def _place_files(self, p: _Planned) -> None:
        if not self.attachments:
            return
        folder = p.stem if p.is_database else p.stem.rsplit("/", 1)[0]
        for key, name in p.names:
            entry = self.ledger.get(FILE_SOURCE, f"{p.id}:{key}")
            if entry is not None:
                p.files[key] = entry.path
                self._claim_file(entry.path, f"{p.id}:{key}")
        for key, name in p.names:
            if key in p.files:
                continue
            stem, ext = split_ext(safe_file_name(name))
            path, n = f"{folder}/{stem}{ext}", 1
            while self.files.get(name_key(path), f"{p.id}:{key}") != f"{p.id}:{key}" \
                    or (self.app.config.vault / path).exists():
                n += 1
                path = f"{folder}/{stem} {p.id[:6]}{ext}" if n == 2 else f"{folder}/{stem} {p.id[:6]} {n}{ext}"
            self._claim_file(path, f"{p.id}:{key}")
            p.files[key] = path

    # -- links -----------------------------------------------------------------------------------
    def _link_target(self, p: _Planned) -> str:
        """The bare name where no other imported page and no other note in the vault has it
        (Obsidian resolves a bare link by file name, anywhere), else the vault path."""
        name = name_of(p.stem)
        if p.is_database:
            base = f"{name}.base"
            return base if self.base_names[name_key(name)] == 1 else p.path
        if self.base_names[name_key(name)] == 1 and not self._elsewhere(name, p.path):
            return name
        return p.stem

    def _elsewhere(self, name: str, own: str) -> bool:
        """Whether a note other than `own` in the vault's index has the file name `name`."""
        key = name_key(name)
        if key not in self.clashes:
            from memd.vault.links import target_key

            index = self.app.index
            with index.db.lock:
                paths = list(index.names().candidates(target_key(name)))
            self.clashes[key] = {p for p in paths if name_key(posixpath.basename(p)[:-3]) == key}
        return bool(self.clashes[key] - {own})

    def _resolver(self, page: NotionPage, planned: _Planned) -> Callable[[str, str, str, bool], str]:
        names = {a.key: a.name for a in page.attachments}

        def resolve(kind: str, ref: str, anchor_label: str, embed: bool) -> str:
            anchor, label = anchor_label.split("\x00", 1)
            if kind == "attachment":
                path = planned.files.get(ref)
                shown = label or names.get(ref, ref)
                if path is None:
                    return f"`{shown}` (attachment not imported)"
                target = path.rsplit("/", 1)[-1] if self._unique_file(path) else path
                return f"{'!' if embed else ''}{wikilink(target, None if embed else label)}"
            target_page = self.plan.get(ref)
            if target_page is None:
                entry = self.ledger.get(SOURCE, ref)
                if entry is not None:  # imported by an earlier run (an API sync of a few pages)
                    return wikilink(_strip_ext(entry.path, False), label or entry.title, anchor)
                self.report.outside(planned.path, ref)
                return f"[{label or 'Notion page'}](https://www.notion.so/{ref}{anchor.replace('#^', '#')})"
            return wikilink(self._link_target(target_page), label or target_page.title, anchor)

        return resolve

    def _claim_file(self, path: str, owner: str) -> None:
        key = name_key(path)
        if key not in self.files:
            self.file_names[key.rsplit("/", 1)[-1]] += 1
        self.files[key] = owner

    def _unique_file(self, path: str) -> bool:
        return self.file_names[name_key(path.rsplit("/", 1)[-1])] == 1

    # -- pass 2: notes ---------------------------------------------------------------------------
    def _render(self, page: NotionPage, planned: _Planned) -> tuple[str, list[tuple[str, str]]]:
        resolve = self._resolver(page, planned)
        if page.is_database:
            columns = [c for c in page.columns if c]
            return base_file(planned.stem, columns, page.title), []
        meta: dict[str, Any] = {"title": page.title, "notion_id": page.notion_id}
        if planned.aliases:
            meta["aliases"] = planned.aliases
        if page.url:
            meta["notion_url"] = page.url
        if page.last_edited:
            meta["last_edited"] = page.last_edited
        if page.database_id and page.database_id in self.plan:
            meta["notion_database"] = wikilink(self._link_target(self.plan[page.database_id]), None)
        meta.update(note_properties(page, resolve))
        body = resolve_placeholders(page.body.strip("\n"), resolve)
        body, blocks = anchor_blocks(body)
        return f"{frontmatter(meta)}\n{body}\n" if body else frontmatter(meta), blocks

    def _write_one(self, page: NotionPage, planned: _Planned) -> None:
        text, blocks = self._render(page, planned)
        content_hash = sha256(text.encode("utf-8"))
        entry = self.ledger.get(SOURCE, page.notion_id) if page.notion_id in self.known else None
        digests = {turn_digest(a, t): (a, t) for a, t in blocks}
        if self.attachments:
            write_attachments(self.app, self.ledger, self.report, page, planned.files, dry_run=self.dry_run)
        if entry is not None and entry.content_hash == content_hash and entry.status != PENDING:
            self.report.add("unchanged", planned.path, page.notion_id)
            self.feeder.read(page, planned.path, digests, entry.extracted, entry)
            return
        if self.dry_run:
            self.report.add("updated" if entry else "written", planned.path, page.notion_id)
            return
        kind = "database" if page.is_database else "row" if page.database_id else "page"
        self.ledger.begin(source=SOURCE, source_id=page.notion_id, kind=kind, title=page.title, path=planned.path,
                          run_id=None)
        result = self.app.writer.write_whole(planned.path, text, expected_hash=entry.written_hash if entry else None,
                                             source=Source("import:notion", ref=page.notion_id, detail=page.title),
                                             index=False)
        written_hash, status = (entry.written_hash if entry else None), DONE
        if result.status == "applied":
            self.report.add("updated" if entry and entry.content_hash else "written", planned.path, page.notion_id)
            written_hash = result.hash_after
            if planned.path.endswith(".md"):
                self.unindexed.append(planned.path)
        elif result.status == "noop":
            self.report.add("unchanged", planned.path, page.notion_id)
            written_hash = result.hash_after
        elif result.status == "conflict":
            self._to_review(planned, text)
            status = EDITED
        else:
            self.report.skip(planned.path, page.notion_id, result.reason)
            return  # pending in the ledger: the next run tries again
        extracted = entry.extracted if entry else set()
        extracted = self.feeder.read(page, planned.path, digests, extracted)
        self.ledger.finish(source=SOURCE, source_id=page.notion_id, content_hash=content_hash, turns=digests,
                           extracted=extracted, written_hash=written_hash, status=status)

    def _to_review(self, planned: _Planned, text: str) -> None:
        try:
            current = (self.app.config.vault / planned.path).read_text("utf-8", "replace")
        except OSError:
            current = None
        from .review_op import ReplaceNote

        op = ReplaceNote(planned.path, text)
        review_id, _ = self.app.state.park(
            path=planned.path, op=op.name, args=op.args(), reason="the note was edited by hand; the page changed"
            " in Notion", source=Source("import:notion", ref=planned.id, detail=planned.title),
            current=current, proposed=text, entity=None, key=None)
        self.report.add("kept", planned.path, planned.id, f"edited by hand: kept; the new version is review"
                        f" item {review_id}")

    # -- attachments -----------------------------------------------------------------------------
    def _index(self) -> None:
        if self.unindexed and not self.dry_run:
            paths, self.unindexed = self.unindexed, []
            self.app.index.index_paths(paths)


def name_of(stem: str) -> str:
    return stem.rsplit("/", 1)[-1]


def _strip_ext(path: str, is_database: bool) -> str:
    if is_database:
        return path.rsplit("/", 1)[0]
    return path[:-3] if path.endswith(".md") else path
