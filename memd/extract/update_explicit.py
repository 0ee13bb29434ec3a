"""More ways people say outright that a value changed (rules_updates.py reads the common ones).

    "the system shows I have 8 years of service, but I actually have 12"
                                                    years_of_service: 12      (was 8)
    "I've gotten into rock climbing and it's become my main hobby instead of photography"
                                                    hobby: rock climbing     (was photography)
    "I've taken up rock climbing and photography, and no longer have time for guitar"
                                                    hobby: rock climbing and photography (was guitar)

The key is the user's own ("my main hobby") or the sentence's hint ("update my hobby
information"); a number with its unit ("8 years of service") is its own key. Without a key,
nothing is read: which line "guitar" is on is for the apply step to find (only_if_held).
"""

from __future__ import annotations

import re

from memd.extract.conventions import ONLY_IF_HELD
from memd.extract.patterns import SELF, Env, Fact

_VAL = r"[^,;!?]+?"
_STOP = r"(?=\s+(?:as\s+(?:a|an|currently|listed|shown|recorded)|in\s+(?:the|my|your)\s+(?:system|records?|profile))\b|\s*[,;.!?]|\s*$)"
_SHOWS = re.compile(
    r"\b(?:system|records?|profile|file|database|entry)\s+(?:currently\s+)?(?:shows|says|lists|has|states|records)\s+(?:that\s+)?"
    r"(?:I\s+(?:have|am|was|had)\s+)?(?:(?:a|an|the)\s+)?(?P<old>" + _VAL + r"),?\s+but\s+(?:I\s+)?(?:actually|really|in\s+fact)\s+"
    r"(?:have|am|was|had|hold|speak|live\s+in|work\s+at)\s+(?:(?:a|an|the)\s+)?(?P<new>" + _VAL + r")" + _STOP
)
_BECAME_INSTEAD = re.compile(
    r"\b(?:gotten|got|getting|taken\s+up|picked\s+up|started|begun|began)\s+(?:really\s+|seriously\s+|more\s+)?(?:into\s+)?"
    r"(?P<new>[a-z][^,;.!?]*?)\s+(?:recently\s+|lately\s+)?,?\s*and\s+(?:it|this|that)\s+(?:has|'s|is|have)\s+(?:now\s+)?"
    r"become\s+my\s+(?:main\s+|new\s+|favorite\s+|favourite\s+|primary\s+|only\s+)?(?P<k>[a-z]+)\s+instead\s+of\s+"
    r"(?:(?:my|the|a|an)\s+)?(?P<old>" + _VAL + r")" + _STOP
)
_NO_TIME_FOR = re.compile(
    r"\b(?:taken\s+up|picked\s+up|gotten\s+into|got\s+into|started)\s+(?P<new>[a-z][^,;.!?]*?)\s*(?:recently|lately)?\s*,?\s+"
    r"and\s+(?:I\s+)?(?:have\s+)?no\s+longer\s+(?:have\s+(?:any\s+)?time\s+for|do|play|practi[cs]e)\s+(?:(?:my|the)\s+)?"
    r"(?P<old>" + _VAL + r")" + _STOP
)
# "My sister's new job is at Globex": a relative's fact, written on the relative's own file when
# memory links one (apply.py), else under the prefixed key as the general rules write it.
_THEIR_NEW = re.compile(
    r"\b[Mm]y\s+(?P<rel>sister|brother|mother|mom|mum|father|dad|wife|husband|partner|son|daughter|friend|boss|cousin)'s\s+"
    r"new\s+(?P<what>job|role|position|employer|workplace|home|place|address|apartment|flat)\s+is\s+(?P<prep>at|with|in)\s+"
    r"(?:the\s+)?(?P<v>[A-Z][\w'’.&-]*(?:\s+(?:of|de|the|and|&|[A-Z0-9][\w'’.&-]*))*)"
)
_UNIT = re.compile(r"^(?P<n>\d{1,3})\s+(?P<unit>years?\s+of\s+[a-z]+|years?\s+(?:in|at)\s+[a-z]+)$")


def explicit_facts(sentence: str, hint: str | None, env: Env, make) -> list[Fact]:
    """`make(subject, key, new, old, env, guessed=...)` is rules_updates._fact (tags, cleaning)."""
    m = _THEIR_NEW.search(sentence)
    if m:
        rel = {"mom": "mother", "mum": "mother", "dad": "father"}.get(m.group("rel"), m.group("rel"))
        key = "employer" if m.group("what") in ("job", "role", "position", "employer", "workplace") else "living_location"
        f = make(SELF, f"{rel}_{key}", m.group("v"), None, env)
        return [f] if f else []
    m = _SHOWS.search(sentence)
    if m:
        old, new = m.group("old").strip(), m.group("new").strip()
        u = _UNIT.match(old)
        n = re.match(r"^(\d{1,3})\b", new)
        if u and n:
            key = re.sub(r"\s+", "_", u.group("unit").replace("year ", "years "))
            f = make(SELF, key, n.group(1), u.group("n"), env)
            return [f] if f else []
        if hint:
            f = make(SELF, hint, new, old, env)
            return [f] if f else []
    for rx in (_BECAME_INSTEAD, _NO_TIME_FOR):
        m = rx.search(sentence)
        if not m:
            continue
        key = m.groupdict().get("k") or hint
        f = make(SELF, key or "hobby", m.group("new"), m.group("old"), env, guessed=key is None)
        if f and key is None and ONLY_IF_HELD not in f.tags:
            continue
        return [f] if f else []
    return []
