"""Page text into memory: first-person blocks through the extraction loop, as a document.

Each page is one stream (`notion:<id>`); each block (render.anchor_blocks: a first-person
paragraph or list item, anchored `^m…`) is one turn of the user's, dated by the page (a journal
page's date, a Date property, else its last edit), linking back to `note#^anchor`. Blocks read
before (their digest is in the ledger's `extracted`) are not read again, so a re-run or an
update extracts only what is new.
"""

from __future__ import annotations

from typing import Any

from ..ledger import Ledger
from .model import NotionPage
from .render import page_date
from .report import NotionReport

SOURCE = "notion"


class Feeder:
    def __init__(self, app: Any, ledger: Ledger, report: NotionReport, *, enabled: bool):
        self.app, self.ledger, self.report, self.enabled = app, ledger, report, enabled
        self.loop: Any = None

    def read(self, page: NotionPage, note_path: str, digests: dict[str, tuple[str, str]], extracted: set[str],
             entry: Any = None) -> set[str]:
        """Feed the blocks of `digests` (digest -> (anchor, text)) not in `extracted`; returns
        the digests read. `entry`: the ledger row of an unchanged note, updated here."""
        todo = [d for d in digests if d not in extracted]
        if not todo or not self.enabled:
            return set(extracted)
        from memd.extract.tools import Turn

        loop = self._loop()
        stream = f"notion:{page.notion_id}"
        note = note_path[:-3] if note_path.endswith(".md") else note_path
        when = page_date(page)
        decided = []
        try:
            for d in todo:
                anchor, text = digests[d]
                decided.append(loop.process(Turn(stream=stream, role="user", text=text, time=when, turn_id=anchor,
                                                 source_link=f"[[{note}#^{anchor}]]")))
            decided.append(loop.end_stream(stream))
        except BaseException:
            loop.discard(stream)
            raise
        for decision in decided:
            self.report.tally(decision)
        done = set(extracted) | set(todo)
        if entry is not None:
            self.ledger.finish(source=SOURCE, source_id=page.notion_id, content_hash=entry.content_hash,
                               turns=entry.turns, extracted=done, written_hash=entry.written_hash, status=entry.status)
        return done

    def save(self) -> None:
        if self.loop is not None:
            self.loop.save()

    def _loop(self) -> Any:
        if self.loop is None:
            from memd.extract.backends import build_backend
            from memd.extract.loop import ExtractionLoop

            self.loop = ExtractionLoop(self.app, build_backend(self.app.config), source_kind="import:notion",
                                       in_memory=True)
        return self.loop
