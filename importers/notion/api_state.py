"""What the API import remembers between runs: each page as it was last fetched.

A SQLite file of its own in the state folder (`notion-api.db`; a cache, not the journal: losing
it costs a full re-fetch, never data), one row per page or database:

* `last_edited` is Notion's `last_edited_time` when the page was fetched. The next run lists
  the page (one cheap call, or none: search and database queries return it), and when the time
  is the same it takes the page from here instead of fetching its blocks again. The writer gets
  the same page, renders the same note and writes nothing (`unchanged`), and still knows every
  page's place and title (a new child under an unchanged parent lands in the parent's folder).
* `page` holds the page's fields and its raw blocks (not the markdown): the body is rendered
  at the end of each run, when every link to a block is known and the linked blocks can carry
  their `^anchor`s.
* `targets` are the blocks of other pages this page links to (`#^block` links).
* `children` are the child pages and databases found in its blocks, so an unchanged page's
  subtree is still walked.
* `written` is 0 from fetch until the writer has finished with the page: an interrupted run
  leaves the page here with its downloaded attachments (`files/<page id>/`), and the next run
  uses both instead of fetching them again (that is what makes a long import resumable).

The token is never stored here, nor anything derived from it.
"""

from __future__ import annotations

import json
import shutil
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from memd.db import Database

from .model import Attachment, NotionPage

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    page_id TEXT PRIMARY KEY,
    last_edited TEXT,
    children TEXT NOT NULL DEFAULT '[]',
    targets TEXT NOT NULL DEFAULT '[]',
    page BLOB NOT NULL,
    written INTEGER NOT NULL DEFAULT 0,
    fetched TEXT NOT NULL
)
"""


class PageCache:
    def __init__(self, state_dir: Path):
        self.root = Path(state_dir) / "notion-api"
        self.db = Database(self.root / "cache.db")
        self.db.ensure_schema("notion_api_cache", 1, SCHEMA)

    def close(self) -> None:
        self.db.conn.close()

    def files_dir(self, page_id: str) -> Path:
        return self.root / "files" / page_id

    # -- pages -----------------------------------------------------------------------------------
    def peek(self, page_id: str, last_edited: str | None) -> tuple[list[tuple[str, str]], list[str]] | None:
        """(children [(kind, id)], linked blocks) of the page as fetched at `last_edited`, or None
        when it must be fetched (never fetched, changed since, or a downloaded file is gone)."""
        if not last_edited:
            return None
        with self.db.read() as c:
            row = c.execute("SELECT last_edited, children, targets, page, written FROM pages WHERE page_id = ?",
                            (page_id,)).fetchone()
        if row is None or row["last_edited"] != last_edited:
            return None
        if not row["written"] and self.load(page_id) is None:
            return None
        return [tuple(c) for c in json.loads(row["children"])], json.loads(row["targets"])

    def load(self, page_id: str) -> tuple[NotionPage, list[dict[str, Any]]] | None:
        """The page (body empty) and its raw blocks."""
        with self.db.read() as c:
            row = c.execute("SELECT page, written FROM pages WHERE page_id = ?", (page_id,)).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(zlib.decompress(row["page"]))
        except (zlib.error, ValueError):
            return None
        blocks = data.pop("_blocks", [])
        page = _page_from(data, self.files_dir(page_id), written=bool(row["written"]))
        return (page, blocks) if page is not None else None

    def put(self, page: NotionPage, blocks: list[dict[str, Any]], children: list[tuple[str, str]],
            targets: list[str]) -> None:
        data = asdict(page)
        data["body"] = ""
        data["attachments"] = [[a.key, a.name] for a in page.attachments]
        data["_blocks"] = blocks
        blob = zlib.compress(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"), 6)
        from memd.state import now_iso

        with self.db.tx() as c:
            c.execute("INSERT OR REPLACE INTO pages (page_id, last_edited, children, targets, page, written, fetched)"
                      " VALUES (?, ?, ?, ?, ?, 0, ?)",
                      (page.notion_id, page.last_edited, json.dumps(children), json.dumps(targets), blob, now_iso()))

    def mark_written(self, page_ids: list[str]) -> None:
        """The writer is done with these pages: their downloaded files are in the vault now."""
        with self.db.tx() as c:
            c.executemany("UPDATE pages SET written = 1 WHERE page_id = ?", [(p,) for p in page_ids])
        for page_id in page_ids:
            shutil.rmtree(self.files_dir(page_id), ignore_errors=True)

    def forget(self, page_id: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM pages WHERE page_id = ?", (page_id,))
        shutil.rmtree(self.files_dir(page_id), ignore_errors=True)

    def count(self) -> int:
        with self.db.read() as c:
            return c.execute("SELECT COUNT(*) FROM pages").fetchone()[0]


def _page_from(data: dict[str, Any], files: Path, *, written: bool) -> NotionPage | None:
    attachments = []
    for key, name in data.pop("attachments", []):
        path = files / key
        if written:
            # in the vault already: the writer keeps the file it wrote (its ledger has the hash)
            attachments.append(Attachment(key=key, name=name))
        elif path.is_file():
            attachments.append(Attachment(key=key, name=name, path=path))
        else:
            return None   # fetched but its file is gone: fetch the page again
    data["parents"] = tuple(data.get("parents") or ())
    data["columns"] = tuple(data.get("columns") or ())
    try:
        return NotionPage(attachments=attachments, **data)
    except TypeError:      # a cache from another version of the model
        return None
