"""The review item for a Notion note the user edited by hand while the page changed in Notion.

The importer never overwrites such a note; it parks the new version in the review queue as a
ReplaceNote. Accepting it (`memd review accept`) replaces the note with Notion's version, but
only while the note still holds what the item showed (those lines are granted); if the user
changed it again since, the item is stale and nothing is replaced.

Registered in memd.vault.operations.OPERATIONS on import (operation_from_args imports this
module), so any process can rebuild the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from memd.vault.memfile import Edit, MemoryDoc, split_lines
from memd.vault.operations import OPERATIONS, Operation, Plan, PlanContext


@dataclass
class ReplaceNote(Operation):
    name: ClassVar[str] = "notion_replace_note"
    path: str
    content: str
    entity_name: str | None = None

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is None:
            return Plan("create", "the note was removed; Notion's version written", content=self.content)
        if doc.render() == self.content:
            return Plan.noop("already Notion's version")
        if not ctx.owns(doc.lines):
            return Plan.conflict("the note changed again since this was queued", doc.render(), self.content)
        new_lines, _ = split_lines(self.content)
        return Plan("edit", "Notion's version", [Edit(0, len(doc.lines), new_lines)])


OPERATIONS[ReplaceNote.name] = ReplaceNote
