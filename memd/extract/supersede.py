"""Updates that replace: a memory item that supersedes what memory holds, written as one.

Any backend marks an item as an update with tags (conventions below); the rules backend does for
"I quit X and joined Y", "I'm no longer X", "actually it's Y, not X", "X → Y", "my A shifted from
X to Y", and a model is asked to in its prompt (memd/llm/memreader_prompt.py).

    tag "update"            the value replaces what the key holds now; the old value is kept in
                            the file's `## History` section (and in the journal, as always)
    tag "replaces:<old>"    ... and the old value, as the user said it ("St. Mary's")
    tag "as_of:<date>"      when the change is known from (the statement's date)
    tag "only_if_held"      the key is a guess: change the line holding <old>, or nothing

Before it writes, this step reads the file it is about to change (MemReader's search_memory):
the line is the one that holds the key in any layout or a key that means the same, or the one
holding the old value, and it is changed in place in the file's style (vault/memory_view.py).
A line that is a link to an entity gets a link to the new entity.

Every single-valued fact goes through here, marked or not: an unmarked one still finds its line
the way a person would (an `Occupation` line for job_title) but leaves no History line, as before.
"""

from __future__ import annotations

import re

from memd.app import Memd
from memd.extract import update_entity, update_match
from memd.extract.conventions import (  # noqa: F401  (the tags are re-exported for backends)
    ANY_VALUE, AS_OF_PREFIX, CORRECTION_TAG, LINK_VALUE, NEGATION_TAG, ONLY_IF_ENTITY, ONLY_IF_HELD, ONLY_IF_KEY, REPLACES_PREFIX,
    UPDATE_TAG,
)
from memd.extract.rules_updates import _proper_run
from memd.extract.tools import MemoryItem
from memd.state import Source
from memd.vault import memory_view as mv
from memd.vault.links import parse_links
from memd.vault.memfile import MemoryDoc, normalize_key
from memd.vault.operations import USER_TITLE, ReplaceFact
from memd.vault.writer import WriteResult


_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_NAME = re.compile(r"^(?:[A-Z][\w.'’-]*|of|the|de|da|von|van|and|&)(?:\s+(?:[A-Z0-9][\w.'’-]*|of|the|de|da|do|von|van|and|&)){0,6}$")


def old_value_of(item: MemoryItem) -> str | None:
    for t in item.tags:
        if t.startswith(REPLACES_PREFIX) and t[len(REPLACES_PREFIX):].strip():
            return t[len(REPLACES_PREFIX):].strip()
    return None


def as_of(item: MemoryItem) -> str | None:
    for t in item.tags:
        if t.startswith(AS_OF_PREFIX) and _DATE.match(t[len(AS_OF_PREFIX):].strip()):
            return t[len(AS_OF_PREFIX):].strip()
    return None


def is_update(item: MemoryItem) -> bool:
    return UPDATE_TAG in item.tags or old_value_of(item) is not None



def _read(app: Memd, path: str) -> MemoryDoc | None:
    # The writer's parse of the file (cached while the file is as memd last saw it): reading and
    # parsing user.md for every update made an import's extraction quadratic in its facts.
    return app.writer.document(path)


def _looks_like_name(value: str) -> bool:
    return bool(_NAME.match(value.strip())) and len(value) <= 80


def apply_update(app: Memd, item: MemoryItem, key: str, entity: str | None, value: str, source: Source,
                 batch: str | None) -> list[WriteResult]:
    """Write `item` (a single-valued fact, a marked update or a negation with a value) as a
    ReplaceFact on the file of `entity` (None: the user)."""
    negated = NEGATION_TAG in item.tags
    old = value if negated else old_value_of(item)
    if negated and (not old or old == ANY_VALUE):
        return app.remove_fact(entity, key, None, source, batch=batch)
    if entity and ONLY_IF_ENTITY in item.tags and app.find_entity(entity) is None:
        bare = entity[4:] if entity.startswith("The ") else None  # "The Lambing Co-op" is "Lambing Co-op"
        if not bare or app.find_entity(bare) is None:
            return [WriteResult("noop", "", "replace_fact", f"no entity {entity!r} in memory")]
        entity = bare
    if negated or ONLY_IF_KEY in item.tags:
        # A removal, or a change only a line memory holds can receive: no file is made for it.
        ref = app.find_entity(entity)
        if ref is None:
            return [WriteResult("noop", "", "replace_fact", f"no entity {entity!r}")]
        results: list[WriteResult] = []
    else:
        ref, results = app._subject(entity, source, batch)
    link_target = None
    history = is_update(item) and CORRECTION_TAG not in item.tags
    if not negated and ONLY_IF_KEY in item.tags:
        # An implied change: the one line memory holds under this key, in the file's words, or nothing.
        doc = _read(app, ref.path)
        line, why = update_match.line_for(doc, key, value) if doc is not None else (None, "no such file")
        if line is None:
            return results + [WriteResult("noop", ref.path, "replace_fact", why)]
        if mv.value_matches(value, line.value):
            return results + [WriteResult("noop", ref.path, "replace_fact", "already recorded")]
        if mv.is_link_value(line.value):
            if not update_match.same_kind(_linked_doc(app, line.value), value):
                return results + [WriteResult("noop", ref.path, "replace_fact",
                                              f"{value!r} is not the kind of thing {line.value} is")]
        key = line.norm_key
        if not mv.is_link_value(line.value) and update_match.is_list(line):
            value, history = f"{line.value.rstrip(' ,')}, {value}", False  # one more item; nothing is lost
    if not negated:
        doc = _read(app, ref.path)
        target = mv.find_fact(doc, key, old) if doc is not None else []
        if not target and doc is not None and old and ONLY_IF_HELD not in item.tags:
            target = mv.find_fact(doc, key)
        if len(target) == 1 and mv.is_link_value(target[0].value) and not _looks_like_name(value):
            # A link line takes a name: "Advanced Rail Platform for my railway work" names the first part.
            run = _proper_run(value)
            value = run if run != value and _looks_like_name(run) else value
        if (len(target) == 1 and mv.is_link_value(target[0].value) and _looks_like_name(value)
                and normalize_key(value) != normalize_key(ref.name)):
            # The line links to an entity ("Works_At: [[delta_check-in_counter.md]]"): so does the
            # new one, and a new entity links back the same way (mem-agent mirrors relations).
            tgt, made = update_entity.linked_entity(app, value, doc, target[0].key, ref.path,
                                                    _linked_doc(app, target[0].value), source, batch)
            results += made
            if tgt.path != ref.path:
                link_target = tgt.path[len(app.memory_dir) + 1:]
        if len(target) == 1 and not mv.is_link_value(target[0].value) and (
                not old or mv.value_matches(target[0].value, old)):
            value = update_match.in_style(target[0], key, value)  # the whole value is replaced: in its style
        if LINK_VALUE in item.tags and link_target is None and _looks_like_name(value) and (
                not target or not mv.is_link_value(target[0].value)):
            # A relation memory did not hold as a link ("X is now coordinating Y instead of Z"):
            # the line links to Y all the same, written in the subject file's style.
            shown = mv.line_in_style(doc, key, "[[x.md]]")[2:].split(":")[0].strip("*")
            tgt, made = update_entity.linked_entity(app, value, doc, shown, ref.path, None, source, batch)
            results += made
            if tgt.path != ref.path:
                link_target = tgt.path[len(app.memory_dir) + 1:]
    op = ReplaceFact(
        ref.path, key, None if negated else value, old_value=old, history=history,
        as_of=as_of(item), link_target=link_target, only_if_held=ONLY_IF_HELD in item.tags, entity_name=ref.name,
        title=USER_TITLE if ref.is_user else ref.name,
    )
    return results + [app.writer.apply(op, source, batch=batch)]


def _linked_doc(app: Memd, value: str) -> MemoryDoc | None:
    """The entity file a link value points to, parsed (None when it does not resolve)."""
    links = parse_links(value)
    ref = app.find_entity(links[0].target) if links else None
    return _read(app, ref.path) if ref is not None and not ref.is_user else None
