"""The ask agent's file edits as writer operations, so they get what every memd write gets:
re-planning on the file's current bytes under compare-and-swap, the journal (`memd log`,
`memd undo`), and the review queue for any line the user wrote by hand.

mem-agent edits by text replacement (`update_file(path, old, new)`). That is turned into line
edits with difflib against the file as it is when the writer gets to it: lines only added are
always allowed (inserting never touches an existing line); a line changed or removed must be
one memd wrote, otherwise the whole edit waits in the review queue, showing those lines.

Both classes are registered in memd.vault.operations.OPERATIONS when this module is imported;
operation_from_args imports it for their names, so `memd review accept` and crash recovery can
rebuild a parked agent edit in any process.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import ClassVar

from memd.vault.memfile import Edit, MemoryDoc, split_lines
from memd.vault.operations import OPERATIONS, Operation, Plan, PlanContext


@dataclass
class AgentEdit(Operation):
    """Replace the first occurrence of `old_content` with `new_content` (mem-agent's update_file)."""

    name: ClassVar[str] = "agent_edit"
    path: str
    old_content: str
    new_content: str
    entity_name: str | None = None

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is None:
            return Plan.noop("no such file")
        text = doc.render()
        if not self.old_content or self.old_content not in text:
            return Plan.noop("the text to replace is not in the file (any more)")
        new_text = text.replace(self.old_content, self.new_content, 1)
        if new_text == text:
            return Plan.noop("no change")
        new_lines, _ = split_lines(new_text)
        matcher = difflib.SequenceMatcher(None, doc.lines, new_lines, autojunk=False)
        edits: list[Edit] = []
        removed: list[str] = []
        added: list[str] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            edits.append(Edit(i1, i2, new_lines[j1:j2]))
            removed += doc.lines[i1:i2]
            added += new_lines[j1:j2]
        if not edits:
            # Only line endings differ (e.g. a trailing newline): nothing memd tracks by line.
            return Plan.noop("no line changes")
        if removed and not ctx.owns(removed):
            return Plan.conflict("the lines it would change were written by hand", "\n".join(removed),
                                 "\n".join(added) if added else None)
        return Plan("edit", "update" if removed else "add", edits)


@dataclass
class AgentDelete(Operation):
    """Delete a memory file (mem-agent's delete_file): only one whose every line memd wrote."""

    name: ClassVar[str] = "agent_delete"
    path: str
    entity_name: str | None = None

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is None:
            return Plan.noop("no such file")
        lines = [line for line in doc.lines if line.strip()]
        if lines and not ctx.owns(lines):
            return Plan.conflict("the file holds lines written by hand", "\n".join(lines), None)
        return Plan("delete", "delete the file")


for _cls in (AgentEdit, AgentDelete):
    OPERATIONS.setdefault(_cls.name, _cls)
