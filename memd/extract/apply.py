"""From memory items to memory operations.

    no entity                 -> a fact in user.md (set_fact; several values for multi-valued keys)
    entity + relation         -> `- relation: [[entities/<slug>.md]]` in user.md, the entity file
                                 created or updated, and the item's fact on the entity
    entity, no relation       -> a fact in the entity's file (people in multi-party logs)
    dated value "DATE: text"  -> an event (add_event) on the user or the entity
    tag "negation"            -> remove_fact; value "*" removes whatever the key holds
    LongTermMemory, no entity, free-form key (an LLM's "Rust benchmark plan")
                              -> a note line under `## Notes` in user.md

Single-valued keys are replaced by a new value (the journal keeps the old one); a hand-written
line is never replaced: the writer parks the operation for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memd.app import Memd
from memd.extract.conventions import EVENT_KEYS, MULTI_VALUED_KEYS, NEGATION_TAG, split_dated
from memd.extract.supersede import apply_update, is_update
from memd.extract.tools import MemoryItem
from memd.state import Source
from memd.vault.memfile import normalize_key
from memd.vault.writer import WriteResult

# How a relation name reads as a key: "Mother" -> mother.
RELATION_KEYS = {"mom": "mother", "mum": "mother", "dad": "father", "wife": "spouse", "husband": "spouse",
                 "bf": "boyfriend", "gf": "girlfriend"}
_FREEFORM_KEY = re.compile(r"\s")  # an LLM key with spaces is a free-form memory, not a fact name
# Relations between people other than the user ("Caroline: my sister Anna" -> on Caroline,
# `- sister: [[entities/anna.md]]`) become links when the value is a person's name.
PERSON_RELATIONS = frozenset("""mother father parent sister brother sibling son daughter child partner spouse
husband wife boyfriend girlfriend fiance fiancee friend best_friend colleague coworker boss manager cousin aunt
uncle grandmother grandfather grandparent niece nephew roommate neighbor neighbour mentor""".split())
_PERSON_NAME = re.compile(r"^[A-ZÀ-Þ][\w'’-]+(?: [A-ZÀ-Þ][\w'’-]+){0,3}$")  # an LLM key with spaces is a free-form memory, not a fact name
NOTES_SECTION = "Notes"
_MULTI_SUFFIXES = ("_plans", "_event", "_events", "_hobbies", "_likes", "_activities")


def is_multi(key: str) -> bool:
    return key in MULTI_VALUED_KEYS or key.endswith(_MULTI_SUFFIXES)


@dataclass
class Applied:
    results: list[WriteResult] = field(default_factory=list)
    dropped: list[tuple[MemoryItem, str]] = field(default_factory=list)  # items skipped, and why

    @property
    def journal_ids(self) -> list[int]:
        return [r.journal_id for r in self.results if r.journal_id is not None and r.status == "applied"]

    @property
    def review_ids(self) -> list[int]:
        return [r.review_id for r in self.results if r.review_id is not None]


def apply_items(app: Memd, items: list[MemoryItem], source: Source, *, batch: str | None = None) -> Applied:
    out = Applied()
    for item in items:
        try:
            out.results += _apply_one(app, item, source, batch)
        except ValueError as exc:  # an item the format cannot hold (empty key after cleaning...)
            out.dropped.append((item, str(exc)))
    return out


def _apply_one(app: Memd, item: MemoryItem, source: Source, batch: str | None) -> list[WriteResult]:
    raw_key = item.key.strip()
    entity = (item.entity or "").strip() or None
    value = item.value.strip()
    if entity and entity.lower() in ("user", "me", "i", "myself"):
        entity = None
    if NEGATION_TAG in item.tags:
        key = normalize_key(raw_key)
        if entity and key == "relationship":
            # "I broke up with Tom": the relation line in user.md goes, Tom's file stays.
            rel = normalize_key(value)
            return app.remove_fact(None, RELATION_KEYS.get(rel, rel), entity, source, batch=batch)
        # The value as the user said it ("St. Mary's") finds the line that holds it.
        return apply_update(app, item, key, entity, value, source, batch)
    if item.memory_type == "LongTermMemory" and not entity and _FREEFORM_KEY.search(raw_key) and len(value) > 60:
        return app.set_fact(None, raw_key, value, source, multi=True, section=NOTES_SECTION, batch=batch)
    key = normalize_key(raw_key)
    if not key:
        raise ValueError(f"no usable key in {raw_key!r}")
    results: list[WriteResult] = []
    if entity and item.relation:
        rel = normalize_key(item.relation)
        rel = RELATION_KEYS.get(rel, rel)
        results += app.add_relation(None, rel, entity, source, batch=batch)
        if key in ("relationship", rel) or value.lower() == entity.lower():
            return results  # the item only stated the relation, which is now written
    if entity and key in PERSON_RELATIONS and _PERSON_NAME.match(value) and value.lower() != entity.lower():
        return results + app.add_relation(entity, key, value, source, batch=batch)
    date, text = split_dated(value)
    if date and (key in EVENT_KEYS or key.endswith(("_event", "_events"))):
        return results + app.add_event(entity, date, text, source, batch=batch)
    if date is None and (not is_multi(key) or is_update(item)):
        # One value at a time, or an update: replace what memory holds, read first (supersede.py).
        return results + apply_update(app, item, key, entity, value, source, batch)
    # A dated plan or fact ("2024-06: trip to Japan") keeps its date in the value.
    return results + app.set_fact(entity, key, value, source, multi=is_multi(key) or date is not None, batch=batch)
