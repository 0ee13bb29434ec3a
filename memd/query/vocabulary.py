"""Words of questions and fact keys, and the concepts that let one find the other.

A question says "occupation" where the memory's key is `profession`, "established" where it is
`founding_year`, "where ... live" where it is `living_location`. Each concept below is a group of
words people use for one kind of fact; a question word and a key word meet when they share a
concept. The groups are general vocabulary about people, places and organisations, not the
wording of any data set.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b", re.I)
# "we" / "our": a team's or family's memory speaks for a group (user.md is "us").
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "im", "we", "our", "us", "ours"})
STOP = frozenset("""a an the is are was were be been being do does did of to in on at for with about what who whom
whose which when where why how i me my mine myself we our us ours you your it its this that these those there here and or but not any
some tell know please can could would should will shall have has had am person people place thing someone something
s that's whats get got""".split())

_GROUPS: dict[str, tuple[str, ...]] = {
    "work": ("occupation", "profession", "job", "work", "works", "career", "title", "employment"),
    "employer": ("employer", "company", "workplace", "firm", "employed", "works"),
    "location": ("live", "lives", "living", "location", "located", "city", "reside", "resides", "home", "address",
                 "where", "based"),
    "birth": ("born", "birth", "birthdate", "birthday", "birthplace"),
    "age": ("age", "old", "aged"),
    "name": ("name", "called", "named", "full"),
    "founded": ("established", "founded", "founding", "founder", "built", "constructed", "construction", "opened",
                "started", "since", "year"),
    "members": ("members", "member", "membership", "many", "size", "count", "number"),
    "hours": ("hours", "schedule", "open", "opening", "operating", "operational", "times"),
    "kind": ("kind", "type", "category", "sort"),
    "children": ("children", "kids", "kid", "child", "son", "daughter", "sons", "daughters"),
    "partner": ("married", "spouse", "partner", "wife", "husband", "relationship", "marital"),
    "pet": ("pet", "pets", "dog", "cat", "animal"),
    "hobby": ("hobby", "hobbies", "interests", "interest", "enjoy", "enjoys", "pastime", "fun", "free"),
    "language": ("speak", "speaks", "language", "languages", "spoken", "tongue"),
    "education": ("study", "studied", "studies", "education", "educational", "school", "degree", "university", "college", "major",
                  "graduated"),
    "allergy": ("allergic", "allergy", "allergies", "intolerant", "intolerance"),
    "food": ("eat", "eats", "food", "diet", "cuisine", "dish", "meal"),
    "likes": ("like", "likes", "love", "loves", "favorite", "favourite", "prefer", "preference", "preferences"),
    "capacity": ("capacity", "hold", "holds", "seats", "fit"),
    "purpose": ("purpose", "mission", "objective", "goal", "goals", "use", "aim"),
    "skills": ("skills", "skill", "good", "expertise", "specialization", "specialty"),
    "duration": ("long", "tenure", "duration", "length", "period"),
    "origin": ("from", "hometown", "origin", "originally", "grew", "nationality"),
}
_CONCEPTS: dict[str, frozenset[str]] = {}
for _name, _words in _GROUPS.items():
    for _w in _words:
        _CONCEPTS[_w] = _CONCEPTS.get(_w, frozenset()) | {_name}


def words(text: str) -> list[str]:
    # "Anjali's" is Anjali; "don't" is dont (one word, not "don" and "t").
    text = _POSSESSIVE.sub("", text)
    return [w.lower() for w in _WORD.findall(text.replace("'", "").replace("’", ""))]


def stem(word: str) -> str:
    """A light stemmer that makes the forms people use meet: supervise / supervises /
    supervised / supervising, drive / drives, hobby / hobbies, participate / participates."""
    w = word.lower()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith(("ches", "shes", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def concepts(items: list[str]) -> set[str]:
    out: set[str] = set()
    for w in items:
        out |= _CONCEPTS.get(w.lower(), frozenset())
    return out
