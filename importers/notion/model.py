"""The one shape every Notion source (export zip, unzipped folder, API) is turned into.

A source yields NotionPage objects; the writer (write.py) names the files, resolves links and
writes the notes. Keeping the two apart is what lets the export and the API share naming,
frontmatter, incremental re-runs and the report.

Links between pages are written into `body` as `[[notion:<32-hex id>|label]]` or
`[[notion:<32-hex id>#^block|label]]` placeholders: only the writer knows every page's final
file name, so only it can turn them into real `[[wikilinks]]` (path-qualified only where titles
collide). A link to a page that is not part of the import stays a plain markdown link to
notion.so, so nothing points nowhere.

Attachments are named in the body as `![[attachment:<key>]]`; the writer copies the file next
to the page under a safe name and rewrites the embed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LINK_PREFIX = "notion:"
ATTACHMENT_PREFIX = "attachment:"


@dataclass(frozen=True)
class Attachment:
    """A file a page embeds. Exactly one of `path` (inside an unzipped export or a temp copy)
    or `data` is set; `name` is the file name as Notion had it (decoded)."""

    key: str
    name: str
    path: Path | None = None
    data: bytes | None = None


@dataclass
class NotionPage:
    notion_id: str                     # 32 lowercase hex digits, no dashes
    title: str                         # as the user sees it in Notion (decoded, untrimmed)
    parents: tuple[str, ...] = ()      # ids of the ancestor pages/databases, root first
    body: str = ""                     # markdown, with the placeholders described above
    properties: dict[str, Any] = field(default_factory=dict)   # typed database-row properties
    database_id: str | None = None     # set for a database row: the database (folder) it is in
    is_database: bool = False          # the database itself (becomes a folder + a .base file)
    columns: tuple[str, ...] = ()      # for a database: property names in Notion's order
    last_edited: str | None = None     # ISO time when the source knows it (API, some exports)
    url: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    source_path: str | None = None     # where in the export it came from, for the report


@dataclass(frozen=True)
class PageFailure:
    """A page a source could not read: yielded in place of the page, so the writer lists it in
    the report (path, id, reason) and goes on with the others."""

    source_path: str
    reason: str
    notion_id: str | None = None
