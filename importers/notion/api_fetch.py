"""Walk what the integration can see and turn it into NotionPage objects for the writer.

Roots are the pages / databases named with `--page`, or everything `search` returns. From each
root the walk follows child pages and child databases found in the blocks; a database yields
itself (a folder and a .base file) and every row of every one of its data sources (2025-09-03:
a database holds one or more data sources, each queried on its own).

A page whose `last_edited_time` is the one in the cache (api_state) is taken from there: its
blocks are not fetched again. Otherwise its blocks are fetched (paginated, recursively), its
Notion-hosted files downloaded at once (their signed URLs expire within the hour; a refused URL
gets the block fetched again for a fresh one), and its raw blocks cached. Pages go to the writer
once the walk is over, converted then (api_blocks), when every `#^block` link of the run is known
and the linked blocks can carry their anchors. A page that cannot be read becomes a PageFailure
with the reason (never the token), and the walk goes on; a refused token (401) or a cancel stops it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from .api_blocks import Converter
from .api_client import NotionAPI, NotionAPIError
from .api_props import columns as ds_columns
from .api_props import page_title, properties
from .api_richtext import compact_id, notion_link_target
from .api_state import PageCache
from .model import Attachment, NotionPage, PageFailure

MAX_DEPTH = 64               # nesting of blocks in one page (Notion's UI stops far below)
_MEDIA = {"image", "video", "audio", "pdf", "file"}
_EXPIRED = {400, 401, 403, 404, 410}   # what S3 answers for a signed URL past its time


class Fetcher:
    def __init__(self, api: NotionAPI, cache: PageCache, *, attachments: bool = True, store: bool = True,
                 progress: Callable[[str, int, int | None], None] | None = None):
        self.api, self.cache, self.attachments = api, cache, attachments
        self.store = store            # False on a dry run: the cache is read, never written
        self.progress = progress
        self.visited: set[str] = set()
        self.counts: Counter[str] = Counter()      # fetched, cached, failed
        self.file_problems: list[dict[str, str]] = []
        self.unknown_blocks: Counter[str] = Counter()
        self.yielded: list[str] = []
        self.targets: set[str] = set()              # blocks some page links to (`#^block`)
        self.known: dict[str, dict[str, Any]] = {}  # page objects search returned: no pages.retrieve for them

    # -- roots -----------------------------------------------------------------------------------
    def from_refs(self, ids: list[str]) -> Iterator[NotionPage | PageFailure]:
        queue: deque[tuple[str, str, tuple[str, ...], dict[str, Any] | None]] = deque(
            ("any", i, (), None) for i in ids)
        yield from self._finish(self._walk(queue))

    def from_search(self) -> Iterator[NotionPage | PageFailure]:
        """Everything shared with the integration: top-level objects first, then whatever the walk
        from them did not reach (a page under a block of a page not shared, say)."""
        pages: dict[str, dict[str, Any]] = {}
        databases: dict[str, str] = {}            # data source id -> database id
        db_parent: dict[str, str | None] = {}     # database id -> the page it sits in
        try:
            for obj in self.api.search():
                oid = compact_id(obj.get("id"))
                if not oid or obj.get("in_trash") or obj.get("archived"):
                    continue
                if obj.get("object") == "data_source":
                    db = compact_id((obj.get("parent") or {}).get("database_id"))
                    if db:
                        databases[oid] = db
                        db_parent[db] = _parent_id(obj.get("database_parent") or {})
                elif obj.get("object") == "page":
                    pages[oid] = obj
        except NotionAPIError as exc:
            yield PageFailure(source_path="search", reason=str(exc))
            return
        self.known = pages
        visible = set(pages) | set(databases.values())
        queue: deque[tuple[str, str, tuple[str, ...], dict[str, Any] | None]] = deque()
        for db in dict.fromkeys(databases.values()):
            if db_parent.get(db) not in visible:
                queue.append(("database", db, (), None))
        for oid, obj in pages.items():
            parent = obj.get("parent") or {}
            pid = _parent_id(parent)
            if parent.get("type") == "data_source_id":
                pid = databases.get(pid or "", pid)
            if parent.get("type") == "block_id":
                continue                          # reached through its page's blocks, or below
            if pid not in visible:
                queue.append(("page", oid, (), obj))
        yield from self._finish(self._walk_all(queue, databases, pages))

    def _walk_all(self, queue: deque[Any], databases: dict[str, str], pages: dict[str, dict[str, Any]]
                  ) -> Iterator[Any]:
        yield from self._walk(queue)
        rest: deque[tuple[str, str, tuple[str, ...], dict[str, Any] | None]] = deque()
        rest.extend(("database", db, (), None) for db in dict.fromkeys(databases.values()) if db not in self.visited)
        rest.extend(("page", oid, (), obj) for oid, obj in pages.items() if oid not in self.visited)
        yield from self._walk(rest)

    def _finish(self, walked: Iterator[Any]) -> Iterator[NotionPage | PageFailure]:
        """Databases and failures go to the writer as the walk meets them; pages once the walk is
        over, when every `#^block` link is known, so the linked blocks get their anchors."""
        held: list[_Held] = []
        for item in walked:
            if isinstance(item, _Held):
                held.append(item)
            else:
                yield item
        for h in held:
            page, blocks = h.page, h.blocks
            if page is None:
                loaded = self.cache.load(h.oid)
                if loaded is None:
                    yield PageFailure(source_path=f"notion:{h.oid}", reason="its cached copy could not be read;"
                                      " the next run fetches it again", notion_id=h.oid)
                    self.cache.forget(h.oid)
                    continue
                page, blocks = loaded
            page.parents, page.database_id = h.parents, h.database_id
            if blocks is not None:
                page.body = self._render(blocks)
            self.yielded.append(h.oid)
            yield page

    def _render(self, blocks: list[dict[str, Any]]) -> str:
        converter = Converter(self.targets)
        body = converter.page(blocks)
        self.unknown_blocks.update(converter.unknown)
        return body

    # -- the walk --------------------------------------------------------------------------------
    def _walk(self, queue: deque[tuple[str, str, tuple[str, ...], dict[str, Any] | None]]
              ) -> Iterator[NotionPage | PageFailure]:
        while queue:
            kind, oid, parents, known = queue.popleft()
            if oid in self.visited:
                continue
            self.visited.add(oid)
            if kind == "any":
                kind, known = self._identify(oid)
                if kind == "failed":
                    yield PageFailure(source_path=f"notion:{oid}", reason=str(known), notion_id=oid)
                    continue
            if kind == "database":
                yield from self._database(oid, parents, known, queue)
            else:
                yield from self._page(oid, parents, known, None, queue)

    def _identify(self, oid: str) -> tuple[str, Any]:
        """`--page` may name a page or a database: ask for a page first."""
        try:
            return "page", self.api.page(oid)
        except NotionAPIError as exc:
            if exc.status not in (400, 404):
                return "failed", exc
            first = exc
        try:
            return "database", self.api.database(oid)
        except NotionAPIError:
            return "failed", first

    def _page(self, oid: str, parents: tuple[str, ...], obj: dict[str, Any] | None, database_id: str | None,
              queue: deque[Any]) -> Iterator[NotionPage | PageFailure]:
        try:
            obj = obj if obj is not None else self.known.get(oid) or self.api.page(oid)
        except NotionAPIError as exc:
            self.counts["failed"] += 1
            yield PageFailure(source_path=f"notion:{oid}", reason=str(exc), notion_id=oid)
            return
        if obj.get("in_trash") or obj.get("archived"):
            return
        peeked = self.cache.peek(oid, obj.get("last_edited_time"))
        if peeked is not None:
            children, targets = peeked
            held = _Held(oid, parents, database_id)
            self.counts["cached"] += 1
        else:
            problems = len(self.file_problems)
            try:
                page, blocks, children, targets = self._fetch_page(oid, obj, parents, database_id)
            except NotionAPIError as exc:
                self.counts["failed"] += 1
                yield PageFailure(source_path=f"notion:{page_title(obj) or oid}", reason=str(exc), notion_id=oid)
                return
            self.counts["fetched"] += 1
            if self.store and len(self.file_problems) == problems:   # a file that failed: fetch again next run
                self.cache.put(page, blocks, children, targets)
                held = _Held(oid, parents, database_id)
            else:   # not cached (a dry run): rendered now, without anchors that later pages may ask for
                page.body = self._render(blocks)
                held = _Held(oid, parents, database_id, page)
        self.targets.update(targets)
        self._tick()
        yield held
        for child_kind, child in children:
            queue.append((child_kind, child, parents + (oid,), None))

    def _fetch_page(self, oid: str, obj: dict[str, Any], parents: tuple[str, ...], database_id: str | None
                    ) -> tuple[NotionPage, list[dict[str, Any]], list[tuple[str, str]], list[str]]:
        children: list[tuple[str, str]] = []
        attachments: list[Attachment] = []
        blocks = self._tree(oid, oid, 0, children, attachments)
        page = NotionPage(notion_id=oid, title=page_title(obj) or "Untitled", parents=parents,
                          properties=properties(obj) if database_id or _is_row(obj) else {}, database_id=database_id,
                          last_edited=obj.get("last_edited_time"), url=obj.get("url"), attachments=attachments,
                          source_path=f"notion:{oid}")
        return page, blocks, children, linked_blocks(blocks)

    def _tree(self, block_id: str, page_id: str, depth: int, children: list[tuple[str, str]],
              attachments: list[Attachment]) -> list[dict[str, Any]]:
        out = []
        for b in self.api.children(block_id):
            kind = b.get("type")
            bid = compact_id(b.get("id"))
            if kind in ("child_page", "child_database") and bid:
                children.append(("page" if kind == "child_page" else "database", bid))
            elif kind in _MEDIA and (b.get(kind) or {}).get("type") == "file" and self.attachments and bid:
                self._download(b, kind, bid, page_id, attachments)
            elif b.get("has_children") and bid and depth < MAX_DEPTH:
                try:
                    b["children"] = self._tree(bid, page_id, depth + 1, children, attachments)
                except NotionAPIError as exc:
                    if exc.status not in (403, 404):   # a synced block from a page not shared
                        raise
                    b["children"] = []
            out.append(b)
        return out

    def _download(self, b: dict[str, Any], kind: str, bid: str, page_id: str, attachments: list[Attachment]) -> None:
        folder = self.cache.files_dir(page_id)
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / bid
        data = b.get(kind) or {}
        name = _file_name(data, kind)
        url = str((data.get("file") or {}).get("url") or "")
        for attempt in range(2):
            try:
                self.api.download(url, dest)
                b["_attachment"] = bid
                attachments.append(Attachment(key=bid, name=name, path=dest))
                return
            except NotionAPIError as exc:
                if attempt == 0 and exc.status in _EXPIRED:
                    try:   # the signed URL is past its hour: the block again has a fresh one
                        fresh = self.api.block(bid)
                        url = str(((fresh.get(kind) or {}).get("file") or {}).get("url") or "")
                        if url:
                            continue
                    except NotionAPIError as again:
                        exc = again
                self.file_problems.append({"page": page_id, "file": name, "reason": str(exc)})
                return

    # -- databases -------------------------------------------------------------------------------
    def _database(self, oid: str, parents: tuple[str, ...], db: dict[str, Any] | None, queue: deque[Any]
                  ) -> Iterator[NotionPage | PageFailure]:
        try:
            db = db if db is not None else self.api.database(oid)
            sources = [compact_id(s.get("id")) for s in db.get("data_sources") or []]
            names: list[str] = []
            schemas = []
            for sid in sources:
                if sid:
                    schema = self.api.data_source(sid)
                    schemas.append(sid)
                    names += [n for n in ds_columns(schema) if n not in names]
        except NotionAPIError as exc:
            self.counts["failed"] += 1
            yield PageFailure(source_path=f"notion:{oid}", reason=str(exc), notion_id=oid)
            return
        title = page_title(db) or "Untitled database"
        self.yielded.append(oid)
        yield NotionPage(notion_id=oid, title=title, parents=parents, is_database=True, columns=tuple(names),
                         last_edited=db.get("last_edited_time"), url=db.get("url"), source_path=f"notion:{oid}")
        for sid in schemas:
            try:
                for row in self.api.query(sid):
                    rid = compact_id(row.get("id"))
                    if row.get("object") != "page" or not rid or rid in self.visited:
                        continue
                    self.visited.add(rid)
                    yield from self._page(rid, parents + (oid,), row, oid, queue)
            except NotionAPIError as exc:
                self.counts["failed"] += 1
                yield PageFailure(source_path=f"notion:{title}", reason=f"rows: {exc}", notion_id=oid)

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress("fetching", self.counts["fetched"] + self.counts["cached"], None)


class _Held:
    """A page met by the walk, given to the writer when the walk is over: from the cache, or
    (not cached) `page` with its body already rendered."""

    __slots__ = ("oid", "parents", "database_id", "page", "blocks")

    def __init__(self, oid: str, parents: tuple[str, ...], database_id: str | None, page: NotionPage | None = None):
        self.oid, self.parents, self.database_id, self.page, self.blocks = oid, parents, database_id, page, None


_HREF = re.compile(r'"href": "([^"]*#[^"]*)"')


def linked_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    """The blocks (of any page) these blocks link to: `href`s of rich text with a `#<block id>`."""
    found = []
    for href in _HREF.findall(json.dumps(blocks)):
        target = notion_link_target(href)
        if target and target[1]:
            found.append(target[1])
    return sorted(set(found))


def _is_row(obj: dict[str, Any]) -> bool:
    """A database row named on its own (`--page <row>`): it keeps its properties."""
    return (obj.get("parent") or {}).get("type") in ("data_source_id", "database_id")


def _parent_id(parent: dict[str, Any]) -> str | None:
    kind = parent.get("type")
    return compact_id(parent.get(kind)) if kind and isinstance(parent.get(kind), str) else None


def _file_name(data: dict[str, Any], kind: str) -> str:
    """The file's name as uploaded: `name` when the API gives it, else the URL's last segment."""
    name = str(data.get("name") or "").strip()
    if not name:
        url = str((data.get("file") or {}).get("url") or "")
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) if url else ""
    name = unicodedata.normalize("NFC", re.sub(r"[\x00-\x1f/\\]", "", name)).strip()
    return name or f"{kind}"
