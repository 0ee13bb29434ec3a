"""Attachments copied beside their page (write.py decides where; this copies).

A file is written only when it is new or memd's own last copy is still there unchanged: a file
the user replaced or edited is kept (and reported), one the user deleted is not brought back
(the ledger remembers what was written, as `notion-file` rows). Written atomically, compared and
swapped like the notes, so a save in between is never overwritten.
"""

from __future__ import annotations

from typing import Any

from memd.vault.atomic import HandSave, atomic_write, sha256

from ..ledger import DONE, Ledger
from .model import NotionPage
from .report import NotionReport

FILE_SOURCE = "notion-file"


def write_attachments(app: Any, ledger: Ledger, report: NotionReport, page: NotionPage, places: dict[str, str],
                      *, dry_run: bool) -> None:
    """Copy `page`'s attachments to `places` (attachment key -> vault path)."""
    for att in page.attachments:
        path = places.get(att.key)
        if path is None:
            continue
        try:
            data = att.data if att.data is not None else att.path.read_bytes() if att.path else None
        except OSError as exc:
            report.fail(path, page.notion_id, f"attachment {att.name!r} unreadable: {exc.strerror}")
            continue
        if data is None:
            continue
        sid = f"{page.notion_id}:{att.key}"
        entry = ledger.get(FILE_SOURCE, sid)
        new_hash = sha256(data)
        if entry is not None and entry.written_hash == new_hash:
            continue  # as memd last wrote it (or the user removed it: not brought back)
        target = app.config.vault / path
        before = target.read_bytes() if target.exists() else None
        if before is not None and before != data and (entry is None or sha256(before) != entry.written_hash):
            report.add("kept", path, page.notion_id, "attachment changed by hand: kept")
            continue
        report.attachments += 1
        if dry_run:
            continue
        try:
            if before != data:
                atomic_write(target, data, fsync=app.writer.fsync, expected=before)
        except HandSave:
            report.attachments -= 1
            report.add("kept", path, page.notion_id, "attachment changed while writing: kept")
            continue
        ledger.begin(source=FILE_SOURCE, source_id=sid, kind="file", title=att.name, path=path, run_id=None)
        ledger.finish(source=FILE_SOURCE, source_id=sid, content_hash=new_hash, turns=(), extracted=set(),
                      written_hash=new_hash, status=DONE)
