"""Reading a memory file the way a person would before changing it (MemReader's search step).

Pure functions over a parsed MemoryDoc, shared by the supersede operation (which re-plans on the
file's current content) and by the apply step (which looks before it writes):

    which line holds a fact      the key as written in any mem-agent layout (`- key: value`,
                                 `- **Key**: value`, `- Key: value`), or one that means the same
                                 ("occupation" for job_title, "Specialty" for expertise)
    which line holds a value     "St. Mary's" is the `employer: St. Mary's Hospital` line;
                                 "Carlos Mendes" is `[[carlos_mendes.md]]`
    how the file writes          bold Title Case keys or snake_case keys; links with or without
                                 the `entities/` folder

Nothing here writes; nothing here reads the disk.
"""

from __future__ import annotations

import re
import unicodedata

from memd.vault import provenance
from memd.vault.links import parse_links
from memd.vault.memfile import Fact, MemoryDoc, normalize_key

HISTORY_SECTION = "History"

# Keys that name the same single fact in the layouts memories are written in. The first of each
# group is the name memd itself uses.
KEY_GROUPS: tuple[tuple[str, ...], ...] = (
    ("job_title", "occupation", "profession", "role", "job", "position", "title", "current_role", "current_job",
     "work_role"),
    ("employer", "company", "works_at", "works_for", "workplace", "organization", "organisation", "current_employer"),
    ("living_location", "location", "lives_in", "city", "residence", "current_location", "based_in", "home",
     "current_city", "lives"),
    ("expertise", "specialty", "speciality", "specialization", "specialisation", "area_of_expertise",
     "field_of_expertise", "field", "area_of_specialization", "specialties"),
    ("diet", "food_preference", "dietary_preference", "diet_type", "dietary_preferences", "eating_habits"),
    ("relationship_status", "marital_status", "civil_status"),
    ("age", "current_age"),
    ("hobbies", "hobby", "interests", "pastimes"),
    ("languages", "languages_spoken", "spoken_languages", "language", "languages_known"),
    ("number_of_children", "children", "has_children", "kids", "number_of_kids"),
    ("favorite_food", "favorite_dish", "favorite_meal", "favourite_food", "favourite_dish"),
    ("certifications", "certification", "certificates", "certificate", "licenses", "license"),
    ("education", "degree", "education_level", "highest_degree", "qualification"),
    ("nationality", "citizenship"),
    ("last_name", "surname", "family_name"),
    ("first_name", "given_name"),
    ("shift", "shift_schedule", "work_shift", "work_schedule", "schedule"),
    ("rank", "military_rank"),
    ("years_of_experience", "experience_years", "experience", "years_of_service", "years_experience"),
    ("passion", "main_passion", "passions"),
    ("research_focus", "research_area", "research_interest", "focus"),
    ("hometown", "home_town", "place_of_origin"),
    ("gender", "sex"),
    ("pets", "pet"),
)
_GROUP_OF: dict[str, int] = {k: i for i, group in enumerate(KEY_GROUPS) for k in group}

_STOP = frozenset("""a an the of and in at from for to with my our his her their by on as its is are was
just now only also currently""".split())
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_BOLD_KEY = re.compile(r"^[-*+][ \t]+\*\*[^*]+\*\*[ \t]*:")
_LINK_ONLY = re.compile(r"^\s*!?\[\[[^\[\]]+\]\]\s*$")


def same_key(a: str, b: str) -> bool:
    """Two keys name the same fact: equal once normalised, or in one synonym group."""
    na, nb = normalize_key(a), normalize_key(b)
    if na == nb:
        return True
    ga = _GROUP_OF.get(na)
    return ga is not None and ga == _GROUP_OF.get(nb)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")


def words(text: str) -> list[str]:
    """Content words, folded: "St. Mary's Hospital" -> ['st', 'marys', 'hospital']."""
    return [w.replace("'", "") for w in _WORD.findall(_fold(text)) if w not in _STOP]


def link_names(value: str) -> list[str]:
    """What the links in a value name: `[[entities/carlos_mendes.md]]` -> 'carlos mendes'."""
    out = []
    for link in parse_links(value):
        stem = link.alias or link.target.rsplit("/", 1)[-1]
        if stem.lower().endswith(".md"):
            stem = stem[:-3]
        out.append(stem.replace("_", " "))
    return out


def value_matches(said: str, recorded: str) -> bool:
    """Whether `said` ("St. Mary's", "Carlos Mendes") is what the `recorded` value holds or is one
    item of it: every content word of the shorter side is in the longer one. A link is compared
    by the name of the file it points to."""
    want = words(said)
    if not want:
        return False
    candidates = link_names(recorded) or [recorded]
    for cand in candidates:
        have = words(cand)
        if not have:
            continue
        ws, hs = set(want), set(have)
        # What was said is in the line ("St. Mary's" in "St. Mary's Hospital"), or the line is most
        # of what was said ("Bravery in the Arctic medal" for "Bravery in the Arctic") — but a line
        # holding one word of a long phrase ("Hamburg" of "the Culinary Institute of Hamburg") is not it.
        if ws <= hs or (hs <= ws and len(hs) * 2 >= len(ws)):
            return True
    return False


def is_link_value(value: str) -> bool:
    return bool(_LINK_ONLY.match(value))


def current_facts(doc: MemoryDoc) -> list[Fact]:
    """Facts that hold now: everything but the History section memd keeps of replaced values."""
    return [f for f in doc.facts if (f.section or "").strip().casefold() != HISTORY_SECTION.casefold()]


def find_fact(doc: MemoryDoc, key: str, old: str | None = None) -> list[Fact]:
    """The current lines a statement about `key` (that was `old`) means, best first.

    With `old`, a line holding that value wins even under another key ("my area of expertise
    shifted from A to B" finds `- **Specialty**: A`); a line of the same key that holds another
    value is not the one meant. Without it, the lines of the key or a synonym of it."""
    facts = [f for f in current_facts(doc) if not re.match(r"^\d{4}", f.key)]
    by_key = [f for f in facts if same_key(f.norm_key, key)]
    exact = [f for f in by_key if f.norm_key == normalize_key(key)]
    if old:
        holding = [f for f in facts if f.value and value_matches(old, f.value)]
        keyed = [f for f in holding if same_key(f.norm_key, key)]
        if keyed:
            return keyed
        if holding and len(holding) == 1:
            return holding
        return []
    return exact or by_key


def uses_bold_keys(doc: MemoryDoc) -> bool:
    """The file writes `- **Key**: value` (mem-agent's generated memories) rather than `- key: value`."""
    bold = sum(1 for f in doc.facts if _BOLD_KEY.match(doc.lines[f.index]))
    return bold > 0 and bold * 2 >= len(doc.facts)


def display_key(doc: MemoryDoc | None, key: str) -> str:
    """`key` as this file writes keys: favorite_food -> **Favorite Food** in a bold-key file."""
    if doc is not None and uses_bold_keys(doc):
        return "**" + " ".join(w[:1].upper() + w[1:] for w in normalize_key(key).split("_")) + "**"
    return normalize_key(key)


def line_in_style(doc: MemoryDoc | None, key: str, value: str) -> str:
    shown = display_key(doc, key)
    if doc is not None and is_link_value(value) and shown.startswith("**") and not any(
            is_link_value(f.value) and " " in f.key.strip("* ") for f in doc.facts):
        # mem-agent writes relation keys with underscores (`- **Works_With**: [[x.md]]`), unless
        # the file's own relation lines say otherwise.
        shown = shown.replace(" ", "_")
    return f"- {shown}: {' '.join(value.split())}"


def replace_value(doc: MemoryDoc, fact: Fact, new_value: str) -> str:
    """The fact's line with its value replaced, key and bullet exactly as written (without the
    trailing source link: the caller gives the new line the source of its new value)."""
    line = provenance.strip(doc.lines[fact.index])
    at = line.rfind(fact.value) if fact.value else -1
    if at < 0:
        return line.rstrip() + " " + new_value
    return line[:at] + new_value + line[at + len(fact.value):]


def bare_links(doc: MemoryDoc) -> bool:
    """Links in this file name entity files without their folder (`[[jane_doe.md]]`)."""
    targets = [l.target for f in doc.facts for l in parse_links(f.value)]
    if not targets:
        return False
    bare = sum(1 for t in targets if "/" not in t)
    return bare * 2 > len(targets)


# Words that join the parts of a value ("MS in X from MIT", "X and Y"): a part between them can be swapped.
_JOINERS = frozenset("in from at of and with for on to as by or".split())


def substitute(recorded: str, old: str, new: str, *, place: bool = False) -> str:
    """The recorded value with what the user named as old put right, the way a person edits:
    "MS in Mechanical Engineering from MIT" with Mechanical Engineering -> Aerospace Engineering
    keeps the rest; when `old` is the whole value (or not found as written), `new` replaces it."""
    if not old:
        return new
    i = _fold(recorded).find(_fold(old))
    if i < 0 or len(old.strip()) >= len(recorded.strip()) or len(_fold(recorded)) != len(recorded):
        return new
    if words(new) and set(words(recorded)) - set(words(old)) <= set(words(new)):
        return new  # the new value already says everything the line did
    before, after = recorded[:i].split()[-1:], recorded[i + len(old):].split()[:1]
    if place and after and after[0].startswith(","):
        return new  # "Portland, Oregon": what follows the city is where the old city was
    if any(w.strip("(),;:").lower() not in _JOINERS and not w.endswith((",", ";", ":")) and w not in "-–—"
           for w in before) or any(w.strip("(),;:").lower() not in _JOINERS and w[:1] not in ",;:)(-–—"
                                   for w in after):
        # "St. Mary's" in "St. Mary's Hospital" is part of one name, not a part of the line one
        # can swap: "Google", said for it, is the whole new value (never "Google Hospital").
        return new
    if before and new.split()[0].lower() == before[0].lower() and len(new.split()) > 1:
        new = new.split(None, 1)[1]  # "in Aerospace Engineering" after the line's own "in"
    if set(words(new)) & (set(words(recorded)) - set(words(old))):
        # "my PhD in X from MIT, not from IISc": the new value restates the line (it names the
        # PhD the line kept), so it replaces it whole rather than landing inside it.
        return new
    return recorded[:i] + new + recorded[i + len(old):]
