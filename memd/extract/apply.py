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

Every item passes the value gate (value_gate.py) here, the one place all backends' items become
writes: a value that is not a complete phrase of the shape its key expects, or an entity that is
not a name, is dropped with the reason (Applied.dropped; the loop shows it in `memd decisions`).
An entity that is the user (a name given with --me, [import] me, or user.md's user_name) is
written to user.md instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memd.app import Memd
from memd.extract.conventions import EVENT_KEYS, MULTI_VALUED_KEYS, NEGATION_TAG, split_dated
from memd.extract.supersede import apply_update, is_update
from memd.extract.tools import MemoryItem
from memd.extract.update_relatives import linked_relative
from memd.extract.value_gate import check_entity, check_value, is_user, normalise_value, person_name
from memd.state import Source
from memd.vault.memfile import MemoryDoc, normalize_key
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
_PARTNER_KEYS = ("partner", "boyfriend", "girlfriend", "fiance", "fiancee", "spouse")
NOTES_SECTION = "Notes"
GATE = "value gate: "  # the prefix of a drop's reason that the gate gave (the loop shows only those)
_USER_NAME_LINE = re.compile(r"^- (?:\*\*)?(?:user_name|name|preferred_name)(?:\*\*)?:\s*(.+?)\s*$", re.M | re.I)
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


_SELF_WORDS = ("user", "me", "i", "myself")
_LINK = re.compile(r"^\[\[(?P<target>[^\]|#]+)(?:[|#][^\]]*)?\]\]$")
_DATE_KEY = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def merge_user_entity(app: Memd, name: str, source: Source, batch: str | None) -> list[WriteResult]:
    """Move the facts of an entity file that is the user (entities/evan.md, written before memd
    knew Evan is the user) into user.md, through the writer: each fact is set on the user and
    removed from the entity (a hand-written line is parked for review by the writer, never
    dropped), and the emptied file says where its facts went. Nothing when there is no such file."""
    ref = app.find_entity(name)
    if ref is None or ref.is_user:
        return []
    text = app._read_text(ref.path) or ""
    doc = MemoryDoc.parse(text)
    out: list[WriteResult] = []
    for fact in doc.facts:
        key, value = fact.norm_key, fact.value.strip()
        if not key or not value or key in ("relationship", "merged_into"):
            continue
        link = _LINK.match(value)
        if link:
            target = link.group("target")
            out += app.add_relation(None, key, target if target.endswith(".md") else target + ".md", source, batch=batch)
        elif _DATE_KEY.match(fact.key.strip()):
            out += app.add_event(None, fact.key.strip(), value, source, batch=batch)
        else:
            out += app.set_fact(None, key, value, source, multi=is_multi(key), batch=batch)
        out += app.remove_fact(name, key if not _DATE_KEY.match(fact.key.strip()) else fact.key.strip(), value, source,
                               batch=batch)
    if out:
        out += app.set_fact(name, "merged_into", "[[user.md]]", source, batch=batch)
    return out


def _is_pet(app: Memd, name: str) -> bool:
    """Whether memory's file for `name` says it is an animal (a species line, or a pet relation)."""
    ref = app.find_entity(name)
    if ref is None or ref.is_user:
        return False
    doc = MemoryDoc.parse(app._read_text(ref.path) or "")
    return any(f.norm_key == "species" or (f.norm_key == "relationship" and f.value.lower().rstrip(". ").endswith("pet"))
               for f in doc.facts)


class GateDrop(ValueError):
    """An item the value gate refused."""


def user_names_of(app: Memd, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Every name that means the user: given ones, [import] me, and user.md's own name lines."""
    text = app._read_text(app.user_path) or ""
    names = [*extra, *app.config.import_.me,
             *(m.group(1) for m in _USER_NAME_LINE.finditer(text) if "[[" not in m.group(1))]
    seen: set[str] = set()  # each name once, whatever its case (the loop passes [import] me too)
    return [n for n in names if n and not (n.casefold() in seen or seen.add(n.casefold()))]


def apply_items(app: Memd, items: list[MemoryItem], source: Source, *, batch: str | None = None,
                user_names: list[str] | tuple[str, ...] = ()) -> Applied:
    out = Applied()
    names: list[str] | None = None  # read once, when an item names an entity
    merged: set[str] = set()
    for item in items:
        try:
            if item.entity and names is None:
                names = user_names_of(app, user_names)
            who = (item.entity or "").strip()
            # Only a name the user goes by exactly merges a file: "Martin" may be a friend of Martin Mark's.
            if who and who.lower() not in _SELF_WORDS and who.casefold() not in merged and is_user(who, names or [],
                                                                                                 exact=True):
                # The user has a file of their own from before memd knew the name: merge it first.
                merged.add(who.casefold())
                out.results += merge_user_entity(app, who, source, batch)
            out.results += _apply_one(app, item, source, batch, names or [])
        except GateDrop as exc:
            out.dropped.append((item, GATE + str(exc)))
        except ValueError as exc:  # an item the format cannot hold (empty key after cleaning...)
            out.dropped.append((item, str(exc)))
    return out


def _gate(key: str, value: str, *, note: bool = False) -> None:
    why = check_value(key, value, note=note)
    if why:
        raise GateDrop(f"{key}: {why}")


def _apply_one(app: Memd, item: MemoryItem, source: Source, batch: str | None,
               user_names: list[str]) -> list[WriteResult]:
    raw_key = item.key.strip()
    entity = (item.entity or "").strip() or None
    value = normalise_value(normalize_key(raw_key), item.value.strip())
    if entity and (entity.lower() in _SELF_WORDS or is_user(entity, user_names, exact=True)
                   or (is_user(entity, user_names) and app.find_entity(entity) is None)):
        # A first name alone ("Martin" for Martin Mark) is the user only while memory knows no
        # one else by it.
        if item.relation or normalize_key(raw_key) == "relationship":
            raise GateDrop(f"{entity!r} is the user: no relation to themselves")
        entity = None
    if entity is None and NEGATION_TAG not in item.tags and not item.relation:
        # "my sister's new job is at Globex" is about the sister user.md links, when it links one.
        found = linked_relative(app, normalize_key(raw_key))
        if found:
            entity, raw_key = found
    return _apply_about(app, item, raw_key, entity, value, source, batch, user_names)


def _apply_about(app: Memd, item: MemoryItem, raw_key: str, entity: str | None, value: str, source: Source,
                 batch: str | None, user_names: list[str]) -> list[WriteResult]:
    if entity and NEGATION_TAG not in item.tags:
        why = check_entity(entity)
        if why:
            raise GateDrop(f"entity {why}")
    if NEGATION_TAG in item.tags:
        key = normalize_key(raw_key)
        if entity and key == "relationship":
            # "I broke up with Tom": the relation line in user.md goes, Tom's file stays.
            rel = RELATION_KEYS.get(normalize_key(value), normalize_key(value))
            # "broke up" says partner; the line may say boyfriend, girlfriend, fiance or spouse.
            results: list[WriteResult] = []
            for k in (rel, *_PARTNER_KEYS) if rel in _PARTNER_KEYS else (rel,):
                results = app.remove_fact(None, k, entity, source, batch=batch)
                if any(r.status == "applied" for r in results):
                    # Their file said what they were to the user; now they are an ex.
                    if app.find_entity(entity) is not None:
                        results += app.set_fact(entity, "relationship", f"ex-{k}", source, batch=batch)
                    break
            return results
        # The value as the user said it ("St. Mary's") finds the line that holds it.
        return apply_update(app, item, key, entity, value, source, batch)
    if item.memory_type == "LongTermMemory" and not entity and _FREEFORM_KEY.search(raw_key) and len(value) > 60:
        _gate("note", value, note=True)
        return app.set_fact(None, raw_key, value, source, multi=True, section=NOTES_SECTION, batch=batch)
    key = normalize_key(raw_key)
    if not key:
        raise ValueError(f"no usable key in {raw_key!r}")
    results: list[WriteResult] = []
    rel = RELATION_KEYS.get(normalize_key(item.relation), normalize_key(item.relation)) if item.relation else None
    only_relation = bool(entity and rel and (key in ("relationship", rel) or value.lower() == entity.lower()))
    names_person = bool(entity and key in PERSON_RELATIONS and person_name(value) and value.lower() != entity.lower())
    if names_person and (is_user(value, user_names) or check_entity(value)):
        raise GateDrop(f"{key}: {value!r} cannot be an entity here")
    if not (only_relation or names_person):
        _gate(key, value)  # before any write: an item is applied whole or not at all
    if entity and rel:
        if rel != "pet" and rel in PERSON_RELATIONS and _is_pet(app, entity):
            # "My girlfriend, Toby and I": whatever the sentence seemed to say, Toby is the dog.
            raise GateDrop(f"{entity!r} is a pet in memory: not the user's {rel}")
        results += app.add_relation(None, rel, entity, source, batch=batch)
        if only_relation:
            return results  # the item only stated the relation, which is now written
    if names_person:
        return results + app.add_relation(entity, key, value, source, batch=batch)
    date, text = split_dated(value)
    if date and (key in EVENT_KEYS or key.endswith(("_event", "_events"))):
        return results + app.add_event(entity, date, text, source, batch=batch)
    if date is None and (not is_multi(key) or is_update(item)):
        # One value at a time, or an update: replace what memory holds, read first (supersede.py).
        return results + apply_update(app, item, key, entity, value, source, batch)
    # A dated plan or fact ("2024-06: trip to Japan") keeps its date in the value.
    return results + app.set_fact(entity, key, value, source, multi=is_multi(key) or date is not None, batch=batch)
