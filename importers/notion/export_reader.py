"""Read a Notion export (HTML or Markdown & CSV; zip, Part-N zips or folder) as NotionPages.

    with NotionExport(path) as export:
        report = write_pages(app, export.pages())

The export's tree is the page tree: `Title <id>.html|.md` is a page, the folder
`Title <id>/` next to it holds its sub-pages and attachments; `DB <id>.csv` (and `_all.csv`,
all rows, preferred) is a database whose rows are the pages in the folder `DB <id>/`. In the
HTML export a database is a page holding a `table.collection-content`. Folders without an id
(the `Export-<uuid>/` wrapper) carry no page. A folder with an id but no page file of its own
becomes an empty page (or a database, if its pages have properties), so the tree is kept.

A page that cannot be converted is yielded as a PageFailure (path and reason); the rest go on.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from memd.errors import InputFormatError

from ..safezip import Limits, natural_key
from .database import Database, read_database
from .model import Attachment, NotionPage, PageFailure
from .names import find_id, normalise_id, split_ext, split_id
from .unpack import Unpacked, unpack

MAX_PAGE_BYTES = 64 << 20


class NotionExport:
    def __init__(self, path: str | Path, limits: Limits | None = None):
        self.path = Path(path).expanduser()
        self.limits = limits
        self.files: Unpacked | None = None
        self.format = "unknown"

    def __enter__(self) -> NotionExport:
        self.files = unpack(self.path, self.limits)
        try:
            self._index()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.files is not None:
            self.files.close()

    # -- the export's structure ------------------------------------------------------------------
    def _index(self) -> None:
        assert self.files is not None
        self.page_files: dict[str, str] = {}  # id -> logical path of its .html/.md
        self.path_ids: dict[str, str] = {}  # logical path (page file or csv) -> id
        self.folders: dict[str, tuple[str, str]] = {}  # id -> (folder logical path, title)
        self.csvs: dict[str, dict[str, str]] = {}  # database id -> {"view": path, "all": path}
        self.children: dict[str, list[str]] = {}  # folder -> ids of the pages in it
        self.loose: dict[str, list[str]] = {}  # folder -> files in it that are neither pages nor CSVs
        counts = {"html": 0, "md": 0}
        for logical in sorted(self.files.files, key=natural_key):
            parts = logical.split("/")
            for k, part in enumerate(parts[:-1]):
                title, pid = split_id(part)
                if pid is not None and pid not in self.folders:
                    self.folders[pid] = ("/".join(parts[: k + 1]), title)
            stem, ext = split_ext(parts[-1])
            ext = ext.lower()
            if ext == ".csv":
                base = stem[:-4] if stem.endswith("_all") else stem
                _, did = split_id(base)
                if did is not None:
                    self.csvs.setdefault(did, {})["all" if stem.endswith("_all") else "view"] = logical
                    self.path_ids[logical] = did
                continue
            if ext not in (".html", ".md"):
                self.loose.setdefault("/".join(parts[:-1]), []).append(logical)
                continue
            _, pid = split_id(stem)
            if pid is None:
                if parts[-1].lower() == "index.html" and all(split_id(p)[1] is None for p in parts[:-1]):
                    continue  # the workspace index Notion puts at the root
                pid = hashlib.sha1(logical.encode()).hexdigest()[:32]  # a page without an id in its name
            if pid in self.page_files and self.page_files[pid].endswith(".html"):
                continue
            self.page_files[pid] = logical
            self.path_ids[logical] = pid
            self.children.setdefault("/".join(parts[:-1]), []).append(pid)
            counts["html" if ext == ".html" else "md"] += 1
        if not self.page_files and not self.csvs:
            raise InputFormatError(f"{self.path.name}: not a Notion export (no pages with Notion ids found)")
        self.format = "html" if counts["html"] >= counts["md"] else "markdown"
        self.anchors = frozenset(self.files.linked_blocks)  # blocks some page links to get anchors
        self.databases: dict[str, Database] = {}

    def _read(self, logical: str) -> bytes:
        assert self.files is not None
        return self.files.read(logical, MAX_PAGE_BYTES)

    def _ancestors(self, logical: str) -> tuple[str, ...]:
        ids = []
        for part in logical.split("/")[:-1]:
            _, pid = split_id(part)
            if pid is not None:
                ids.append(pid)
        return tuple(ids)

    def _database(self, did: str) -> Database | None:
        if did not in self.csvs:
            return None
        if did not in self.databases:
            paths = self.csvs[did]
            logical = paths.get("all") or paths["view"]
            self.databases[did] = read_database(self._read(logical).decode("utf-8-sig", "replace"),
                                                self._links_for(logical))
        return self.databases[did]

    # -- links -----------------------------------------------------------------------------------
    def _links_for(self, logical: str) -> Any:
        assert self.files is not None
        folder = posixpath.dirname(logical)
        files = self.files.files

        def links(href: str) -> tuple[str, str, str] | None:
            href = href.strip().strip("<>")
            parts = urlsplit(href)
            fragment = (parts.fragment or "").replace("-", "").lower()
            anchor = fragment if re.fullmatch(r"[0-9a-f]{32}", fragment) else ""
            if parts.scheme in ("http", "https"):
                host = (parts.hostname or "").lower()
                if host.endswith("notion.so") or host.endswith("notion.site"):
                    pid = find_id(parts.path)
                    return ("page", pid, anchor) if pid else None
                return None
            if parts.scheme or not parts.path:
                return None
            target = unicodedata.normalize("NFC", posixpath.normpath(posixpath.join(folder, unquote(parts.path))))
            if target in self.path_ids:
                return "page", self.path_ids[target], anchor
            if target in files:
                return "attachment", target, ""
            pid = normalise_id(find_id(target) or "")
            if pid and split_ext(target)[1].lower() in (".html", ".md", ".csv"):
                return "page", pid, anchor  # a page left out of the export: a notion.so link
            return None

        return links

    # -- pages -----------------------------------------------------------------------------------
    def pages(self) -> Iterator[NotionPage | PageFailure]:
        emitted: set[str] = set()
        for did, paths in sorted(self.csvs.items(), key=lambda kv: natural_key(next(iter(kv[1].values())))):
            logical = paths.get("all") or paths["view"]
            try:
                db = self._database(did)
            except InputFormatError as exc:
                yield PageFailure(logical, str(exc), did)
                continue
            title = split_id(split_ext(posixpath.basename(logical))[0].removesuffix("_all"))[0]
            emitted.add(did)
            yield NotionPage(did, title, parents=self._ancestors(logical), is_database=True,
                             columns=tuple(db.columns[1:]) if db else (), source_path=logical)
        for pid, logical in sorted(self.page_files.items(), key=lambda kv: natural_key(kv[1])):
            if pid in emitted:
                continue
            emitted.add(pid)
            try:
                yield self._page(pid, logical)
            except (InputFormatError, ValueError, RecursionError, UnicodeError, OSError) as exc:
                yield PageFailure(logical, f"cannot convert: {exc}", pid)
        for fid, (folder, title) in self.folders.items():
            if fid not in emitted:
                yield self._folder_page(fid, folder, title)

    # -- databases by name (--entities-from) -------------------------------------------------------
    def database_ids(self) -> dict[str, str]:
        """id -> title of every database: CSVs, HTML database pages, folders of rows."""
        out: dict[str, str] = {}
        for did, paths in self.csvs.items():
            logical = paths.get("all") or paths["view"]
            out[did] = split_id(split_ext(posixpath.basename(logical))[0].removesuffix("_all"))[0]
        for pid, logical in self.page_files.items():
            if logical.endswith(".html") and pid in self.folders:
                head = self._read(logical)
                if b'class="collection-content"' in head and b'class="page-body"' not in head:
                    out[pid] = self.folders[pid][1]
        for fid, (folder, title) in self.folders.items():
            if fid not in out and fid not in self.page_files and self._folder_page(fid, folder, title).is_database:
                out[fid] = title
        return out

    def database_names(self) -> list[str]:
        return sorted(set(self.database_ids().values()))

    def database_named(self, name: str) -> str | None:
        want = unicodedata.normalize("NFC", name).strip().casefold()
        for did, title in self.database_ids().items():
            if unicodedata.normalize("NFC", title).strip().casefold() == want or did == normalise_id(name):
                return did
        return None

    def rows_of(self, did: str | None) -> Iterator[NotionPage]:
        for pid, logical in sorted(self.page_files.items(), key=lambda kv: natural_key(kv[1])):
            parents = self._ancestors(logical)
            if did is not None and parents and parents[-1] == did:
                try:
                    yield self._page(pid, logical)
                except (InputFormatError, ValueError, RecursionError, UnicodeError, OSError):
                    continue  # reported by the main pass

    def _page(self, pid: str, logical: str) -> NotionPage:
        from .html_convert import convert_html
        from .md_convert import convert_md

        assert self.files is not None
        parents = self._ancestors(logical)
        links = self._links_for(logical)
        db_id = next((p for p in reversed(parents) if p in self.csvs), None)
        db_id = db_id if db_id is not None and parents and parents[-1] == db_id else None
        text = self._read(logical).decode("utf-8-sig", "replace")
        file_title = split_id(split_ext(posixpath.basename(logical))[0])[0]
        if logical.endswith(".html"):
            html = convert_html(text, links, self.anchors)
            page = NotionPage(pid, html.title or file_title, parents=parents, body=html.body,
                              properties=html.properties, is_database=html.is_database,
                              columns=tuple(html.columns[1:]), source_path=logical)
            keys = html.attachments
            if html.properties and parents and not html.is_database:
                page.database_id = parents[-1]  # a row: its properties table says so
        else:
            db = self._database(db_id) if db_id else None
            md = convert_md(text, links, set(db.columns[1:]) if db else None)
            page = NotionPage(pid, md.title or file_title, parents=parents, body=md.body, source_path=logical)
            keys = md.attachments
            if db is not None:
                page.database_id = db_id
                page.properties = db.typed_row(md.raw_properties, links)
        # Files in the page's folder that it does not show (a file block Notion did not link, a zip
        # the user attached) are still the user's: copied, and embedded at the end.
        own = self.folders.get(pid, ("", ""))[0]
        extra = [k for k in self.loose.get(own, []) if k not in keys] if own else []
        if extra:
            page.body = (page.body + "\n\n" if page.body else "") + "\n".join(f"![[attachment:{k}]]" for k in extra)
        page.attachments = [Attachment(k, posixpath.basename(k), path=self.files.local_path(k))
                            for k in dict.fromkeys([*keys, *extra])]
        return page

    def _folder_page(self, fid: str, folder: str, title: str) -> NotionPage:
        """A folder with an id and no page file: a database (its pages have properties) or an
        empty page, so the tree stays whole."""
        children = self.children.get(folder, [])
        is_db = any(b'class="properties"' in self._read(self.page_files[c])[:65536] for c in children[:3]
                    if self.page_files[c].endswith(".html"))
        return NotionPage(fid, title, parents=self._ancestors(folder + "/x"), is_database=is_db, source_path=folder)


def open_export(path: str | Path, limits: Limits | None = None) -> NotionExport:
    return NotionExport(path, limits)
