"""A review item accepted with a value the person typed instead of memd's proposal.

The operation is the queued one with its value replaced, so it lands exactly where the proposal
would have (same file, key, section) and replaces exactly the lines the item showed. A relation
edited to another name points at that entity (created if memory has none yet).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from memd.errors import VaultError
from memd.state import Source
from memd.vault.links import parse_links
from memd.vault.operations import AddEvent, AddRelation, Operation, ReplaceFact, SetFact

if TYPE_CHECKING:
    from memd.app import Memd


def edited_operation(app: "Memd", op: Operation, value: str, source: Source) -> Operation:
    """`op` proposing `value` instead. Raises VaultError for an operation without a value to edit
    (a removal, an edit of the ask agent) and ValueError for a value memd must not store."""
    value = " ".join(value.split())
    if not value:
        raise VaultError("the edited value is empty")
    app._refuse_secrets(op.key, value)
    if isinstance(op, SetFact):
        return replace(op, value=value)
    if isinstance(op, AddEvent):
        return replace(op, text=value)
    if isinstance(op, ReplaceFact) and op.value is not None:
        if op.link_target:
            target, _ = app.ensure_entity(_entity_name(app, value), source)
            return replace(op, value=target.name, link_target=target.path[len(app.memory_dir) + 1:])
        return replace(op, value=value)
    if isinstance(op, AddRelation):
        target, _ = app.ensure_entity(_entity_name(app, value), source)
        if target.path == op.path:
            raise VaultError(f"{value!r} is the entity itself; a relation needs two entities")
        return replace(op, target_path=target.path, link=f"[[{target.path[len(app.memory_dir) + 1:]}]]")
    raise VaultError(f"a {op.name.replace('_', ' ')} cannot be edited; accept or reject it as proposed")


def _entity_name(app: "Memd", value: str) -> str:
    """The entity a typed relation value names: `Initech`, or a link such as `[[entities/initech.md]]`
    (kept as its target when that file exists, else read as the name it spells)."""
    links = parse_links(value)
    if len(links) != 1 or not re.fullmatch(r"!?\[\[[^\[\]]+\]\]", value.strip()):
        return value
    target = links[0].target
    found = app.find_entity(target)
    if found is not None:
        return target
    stem = target.rsplit("/", 1)[-1]
    stem = stem[:-3] if stem.lower().endswith(".md") else stem
    return links[0].alias or stem.replace("_", " ")
