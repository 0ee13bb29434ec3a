"""Which line of a memory file an implied change means (the "only_if_key" items of
update_implied.py), read the way a person reads the file before editing it.

    cue key          line it changes                      why
    role             - **Community Role**: Coordinator     the file's key has the word
    education        - **Educational Background**: ...     educational ~ education
    certification    - **Certification Level**: Level 5    certification ~ certification
    manages          - **Manages**: [[customs_office.md]]   the relation's verb
    supervises       - **Supervises**: [[x.md]]            supervision ~ supervises
    favorite_dish    - **Favorite Food**: Feijoada         a synonym (memory_view.KEY_GROUPS)

A cue that names a relation (a verb: manages, maintains) only matches a line that links to an
entity; a cue that names a property (role, education) only one that does not. Exactly one line
must match: two lines that both could be meant are a guess, and a guess is not written.
"""

from __future__ import annotations

import re

from memd.vault import memory_view as mv
from memd.vault.memfile import Fact, MemoryDoc, normalize_key

# Cue keys that name a property of the user; any other cue is a relation read from a verb.
PROPERTY_CUES = frozenset("""role rank education certification award passion specialization expertise diet
nationality first_name last_name hobby focus works_at""".split())
_SUFFIXES = ("ations", "ation", "ions", "ion", "ings", "ing", "ments", "ment", "ances", "ance", "ences", "ence",
             "als", "al", "ers", "er", "es", "ed", "s", "e")
_DATE_KEY = re.compile(r"^\d{4}")
_DEGREE_WORD = re.compile(r"\b(?:ph\.?\s?d|doctor(?:ate)?|m\.?sc?|m\.?a|mba|m\.?eng|master|b\.?sc?|b\.?a|b\.?eng|bachelor|"
                          r"associate|diploma)\b", re.I)


def stem(word: str) -> str:
    w = word.lower()
    for _ in range(2):  # "educational" -> "education" -> "educat"
        for suf in _SUFFIXES:
            if w.endswith(suf) and len(w) - len(suf) >= 4:
                w = w[: -len(suf)]
                break
    return w


def same_stem(a: str, b: str) -> bool:
    sa, sb = stem(a), stem(b)
    n = 0
    while n < min(len(sa), len(sb)) and sa[n] == sb[n]:
        n += 1
    return n >= 5 and n >= min(len(sa), len(sb)) - 2 or (sa == sb and len(sa) >= 3)


def _words(key: str) -> list[str]:
    return [w for w in re.split(r"[_\s-]+", normalize_key(key)) if w]


def is_relation_cue(key: str) -> bool:
    return normalize_key(key) not in PROPERTY_CUES and not normalize_key(key).startswith("favorite_")


def lines_for(doc: MemoryDoc, key: str) -> list[Fact]:
    """The current lines an implied change of `key` may mean, best match first."""
    relation = is_relation_cue(key)
    facts = [f for f in mv.current_facts(doc)
             if f.value and not _DATE_KEY.match(f.key) and mv.is_link_value(f.value) == relation]
    keyed = [f for f in facts if mv.same_key(f.norm_key, key)]
    cue = _words(key)
    if normalize_key(key).startswith("favorite_") or not cue:
        return keyed
    if relation:
        worded = [f for f in facts if _words(f.norm_key) and same_stem(_words(f.norm_key)[0], cue[0])]
    else:
        # Every word of the cue is in the line's key: first_name is `First Name`, not `Last Name`.
        worded = [f for f in facts if all(any(same_stem(w, c) for w in _words(f.norm_key)) for c in cue)]
    # A key memory_view knows as another fact is not this one, whatever its words share
    # ("Years Of Experience" is not expertise).
    group = _GROUP.get(normalize_key(key))
    worded = [f for f in worded if _GROUP.get(f.norm_key) in (None, group)]
    # Both readings count: an `Occupation` line and a `Community Role` line are two candidates for
    # "my new role as ...", and two candidates are one too many.
    return keyed + [f for f in worded if f not in keyed]


_GROUP = {k: i for i, g in enumerate(mv.KEY_GROUPS) for k in g}


def line_for(doc: MemoryDoc, key: str, value: str) -> tuple[Fact | None, str]:
    """The one line an implied change of `key` to `value` replaces, or None and why not."""
    found = lines_for(doc, key)
    if not found:
        return None, f"no line of {key!r} in memory to change"
    if len(found) > 1:
        return None, f"{len(found)} lines could be {key!r}; not choosing one"
    line = found[0]
    if normalize_key(key) == "education":
        # "my MS in X" changes an MS line; a Diploma line is another degree, kept. A school
        # ("my time at the Maritime University") changes a line that names a school, not a degree.
        old, new = _DEGREE_WORD.search(line.value), _DEGREE_WORD.search(value)
        if bool(old) != bool(new) or (old and new and _norm_degree(old.group(0)) != _norm_degree(new.group(0))):
            return None, "the education line names another degree"
    return line, ""


def _norm_degree(word: str) -> str:
    return re.sub(r"[.\s]", "", word.lower())


def is_list(line: Fact) -> bool:
    """A line under a plural key ("Certifications: Electrical Safety, Advanced Lighting"): a new
    item joins it rather than replacing what the user still holds."""
    last = _words(line.norm_key)[-1:] or [""]
    return last[0].endswith("s") and not last[0].endswith(("ss", "us", "is"))


# What kind of thing a name names, from its first or last word: "Dr. Sarah Chen" is a person,
# "Genesis Array" a thing; most names say neither ("Maria Fernandez", "Horizon").
_TITLES = frozenset("""dr mr mrs ms miss mx prof professor sir dame lord lady father sister brother rev reverend
private corporal sergeant sgt lieutenant lt captain capt major colonel col general admiral commander cmdr
commodore ensign cadet marshal officer deckhand""".split())
_THING_HEADS = frozenset("""array system systems station hub lab laboratory module center centre interface
platform terminal rig truck unit network device equipment machine scanner vessel ship boat festival program
programme alliance association cooperative co-op coop institute university college school office department
services solutions company corporation inc ltd llc group pool complex area field park farm ranch market
counter lounge bookstore store shop hospital clinic agency council committee project initiative fund trust
library museum hotel airport node array engine vehicle tool kit suite building facility facilities""".split())


def kind_of_name(name: str) -> str | None:
    words = [w.strip(".,'’()").lower() for w in name.split()]
    if not words:
        return None
    from memd.extract.rules_lexicon import JOB_HEADS

    if words[0] in _TITLES or (len(words) >= 3 and words[0] in JOB_HEADS):
        return "person"
    if words[-1] in _THING_HEADS or any(ch.isdigit() for ch in name):
        return "thing"
    return None


def kind_of_doc(doc: MemoryDoc | None) -> str | None:
    """Person or thing, as an entity file says it (`- **Type**: Person`, `Entity Type`), or by its title."""
    if doc is None:
        return None
    for f in doc.facts:
        if f.norm_key in ("type", "entity_type", "kind") and f.value.strip():
            return "person" if f.value.strip().lower() in ("person", "human", "people") else "thing"
        if f.norm_key == "relationship":
            return "person"
    return kind_of_name(doc.title or "")


def same_kind(old: MemoryDoc | None, new_name: str) -> bool:
    """A relation to a person is not replaced by a thing, nor the other way round."""
    a, b = kind_of_doc(old), kind_of_name(new_name)
    return a is None or b is None or a == b


def in_style(line: Fact, key: str, value: str) -> str:
    """The new value written as the line writes its values: `Shift: Morning` takes "evening
    shift" as `Evening`, `Music Preference: Classical` takes "a strong preference for Jazz music"
    as `Jazz` — the key's own words are not repeated in the value when the line does not repeat
    them, and a line that capitalises its value gets a capitalised one."""
    old = line.value.strip()
    if not old or len(old.split()) > 3 or mv.is_link_value(old) or mv.is_link_value(value):
        return value
    key_words = set(_words(key)) | set(_words(line.norm_key))
    old_words = {w.lower() for w in old.split()}

    def is_key_word(w: str) -> bool:
        return w.lower() not in old_words and any(same_stem(w.lower(), k) for k in key_words if len(k) > 3)

    words = value.split()
    for i, w in enumerate(words[:-1]):
        # "a strong preference for Jazz" -> "Jazz"
        if is_key_word(w) and words[i + 1].lower() in ("for", "of", "in", "on") and i <= 2:
            words = words[i + 2:]
            break
    while len(words) > 1 and is_key_word(words[-1]):
        words = words[:-1]  # "evening shift" -> "evening"
    out = " ".join(words) or value
    if old[:1].isupper() and out == out.lower():
        out = out[:1].upper() + out[1:]
    return out
