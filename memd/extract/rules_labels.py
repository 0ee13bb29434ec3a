"""The user's own profile text: 'Name: Sam', 'Location: Lisbon' lines (custom instructions, an
"about me" note). Each label a person would write maps to a mem-agent key; values are cleaned the
way the sentence rules clean them (dates parsed, lists split). Moved out of rules_clauses.py, which
re-exports `labelled_facts` for rules.py.
"""

from __future__ import annotations

import re

from memd.extract.patterns import SELF, Fact, split_list
from memd.extract.rules_dates import best_time, find_times, parse_number
from memd.extract.rules_text import clean_value


_LABELS: dict[str, str] = {
    "name": "user_name", "full name": "user_name", "my name": "user_name",
    "nickname": "preferred_name", "preferred name": "preferred_name", "call me": "preferred_name",
    "location": "living_location", "city": "living_location", "lives in": "living_location",
    "live in": "living_location", "based in": "living_location", "home": "living_location",
    "current location": "living_location", "hometown": "hometown", "from": "hometown",
    "job": "job_title", "occupation": "job_title", "role": "job_title", "profession": "job_title",
    "title": "job_title", "job title": "job_title", "position": "job_title",
    "company": "employer", "employer": "employer", "works at": "employer", "work": "employer",
    "age": "age", "birthday": "birth_date", "date of birth": "birth_date", "dob": "birth_date",
    "born": "birth_date", "languages": "languages", "language": "languages",
    "hobbies": "hobbies", "interests": "hobbies", "likes": "likes", "dislikes": "dislikes",
    "diet": "diet", "dietary restrictions": "diet", "allergies": "allergies", "pets": "pets",
    "pronouns": "pronouns", "education": "education", "school": "school", "university": "school",
    "partner": "partner", "spouse": "partner", "timezone": "timezone", "time zone": "timezone",
}
_LIST_KEYS = frozenset({"languages", "hobbies", "likes", "dislikes", "allergies"})
_TAGS_FOR = {
    "user_name": ("identity",), "preferred_name": ("identity",), "living_location": ("location",),
    "hometown": ("location", "origin"), "job_title": ("work",), "employer": ("work",), "age": ("age",),
    "birth_date": ("birthday",), "languages": ("language",), "hobbies": ("hobby",),
    "likes": ("preference",), "dislikes": ("preference",), "diet": ("diet",),
    "allergies": ("health", "allergy"), "pets": ("pet",), "pronouns": ("identity",),
    "education": ("education",), "school": ("education",), "partner": ("relationship",),
    "timezone": ("location",),
}
_LABEL_LINE = re.compile(
    r"^[ \t]*(?:[-*\u2022][ \t]*)?(?P<label>[A-Za-z][A-Za-z ]{1,22}?)[ \t]*[:=][ \t]*(?P<val>\S[^\n]*?)[ \t]*$", re.M
)


def labelled_facts(text: str) -> list[Fact]:
    """'Name: Sam', 'Location: Lisbon' lines of the user's own profile text."""
    out: list[Fact] = []
    for m in _LABEL_LINE.finditer(text):
        key = _LABELS.get(m.group("label").strip().lower())
        if not key:
            continue
        raw = m.group("val").strip().rstrip(".")
        tags = _TAGS_FOR.get(key, ())
        if key == "birth_date":
            t = best_time(find_times(raw, None, "past"))
            if t is None or t.value is None:
                continue
            out.append(Fact(SELF, key, t.value, tags))
        elif key == "age":
            n = parse_number(raw.split()[0]) if raw.split() else None
            if n is not None and 0 < n < 120:
                out.append(Fact(SELF, key, str(n), tags))
        elif key in _LIST_KEYS:
            for part in split_list(raw):
                v = clean_value(part, max_words=5, cut=False)
                if v:
                    out.append(Fact(SELF, key, v, tags))
        else:
            v = raw if key in ("living_location", "hometown") else clean_value(raw, max_words=8, cut=False)
            if v and len(v) <= 80:
                out.append(Fact(SELF, key, v, tags))
    return out
