"""Changes in what the user's people, places and things relate to (the second hop).

    "Sergeant Aurora McCarthy is now coordinating the Northern Coalition instead of the Arctic Network"
        Sergeant Aurora McCarthy: coordinates -> [[northern_coalition.md]]   (was Arctic Network)
    "the Lambing Co-op is no longer supported by Llewellyn Farm, but is now supported by Rhondda Trust"
        Lambing Co-op: supported_by -> [[rhondda_trust.md]]                  (was Llewellyn Farm)
    "Outback Choppers is no longer providing services to MacAlister Station. We've switched to
     servicing Thornfield Ranch instead."
        Outback Choppers: provides -> [[thornfield_ranch.md]]               (was MacAlister Station)
    "The Valiant Seafarer is no longer part of the North Sea Cooperative, we've joined the Baltic Alliance"
        The Valiant Seafarer: belongs_to -> [[baltic_alliance.md]]           (was North Sea Cooperative)

The key is the verb that names the relation (as rules_updates._verb_key reads it: coordinating
-> coordinates, supported by -> supported_by). Each fact carries "link_value" (the value is an
entity: the line links to it, and a new entity file links back under the same key) and
"only_if_entity" (the subject must be an entity memory already has: a sentence's opening words
are a guess at a name, and a guess does not get a file of its own). The change is applied like
any update (supersede.py): the line holding the old value is replaced, or, where memory never
recorded it, the new relation is added.
"""

from __future__ import annotations

import re

from memd.extract.conventions import LINK_VALUE, ONLY_IF_ENTITY
from memd.extract.patterns import Env, Fact, Subject

_PROPER = r"[A-Z0-9][\w'’.&-]*(?:\s+(?:of|de|the|and|&|for|[A-Z0-9][\w'’.&-]*))*"
_NO_LONGER = re.compile(r"\s+(?:is|are|has\s+been)\s+no\s+longer\s+")
_IS_NOW = re.compile(r"\s+(?:is|are)\s+now\s+")
_OLD_ING = re.compile(
    rf"^(?P<verb>[a-z]+ing)\s+(?:[a-z]+\s+){{0,2}}?(?:(?:to|for|with|at|in|on)\s+)?(?:the\s+)?(?P<old>{_PROPER})")
_OLD_BY = re.compile(rf"^(?:being\s+)?(?P<verb>[a-z]+ed)\s+by\s+(?:the\s+)?(?P<old>{_PROPER})")
_OLD_PART = re.compile(rf"^(?:a\s+)?(?:part|member)\s+of\s+(?:the\s+)?(?P<old>{_PROPER})")
_NEW_BY = re.compile(rf"\b(?:now\s+)?(?:being\s+)?[a-z]+ed\s+by\s+(?:the\s+)?(?P<new>{_PROPER})")
_NEW_ANY = re.compile(
    rf"\b(?:switched\s+to|moved\s+to|joined|started\s+working\s+with|now\s+working\s+with|instead\s+with)\s+"
    rf"(?:(?:[a-z]+ing)\s+)?(?:the\s+)?(?P<new>{_PROPER})"
    rf"|\b(?:[a-z]+ing\s+)?(?:the\s+)?(?P<new2>{_PROPER})\s+instead\b"
)
_NOW_INSTEAD = re.compile(
    rf"^(?:[a-z]+ly\s+)?(?P<verb>[a-z]+ing)\s+(?:(?:[a-z]+\s+)?(?:for|to|with|at|in|on)\s+)?(?:the\s+)?(?P<new>{_PROPER}),?\s+"
    rf"(?:instead\s+of|not|rather\s+than)\s+(?:the\s+)?(?P<old>{_PROPER})")
_CLAUSE_START = re.compile(r"(?:^|[-–—:;,.]\s+|\b(?:that|and)\s+)(?=[^-–—:;,.]*$)")
_NOT_SUBJECTS = frozenset("i we you he she they it this that there who which".split())


def _subject(before: str) -> str | None:
    """The entity a clause is about: the words before its verb, back to the clause's start
    ("... - the DeepWave Sonar 3000 that I maintain" -> DeepWave Sonar 3000)."""
    text = re.split(r"\s+[-–—:]\s+|[;.]\s+|,\s+", before)[-1]
    text = re.split(r"\s+(?:that|which|who)\s+", text)[0].strip()
    text = re.sub(r"^(?:[Tt]he|[Oo]ur|[Mm]y|[Tt]heir)\s+(?=[a-z])|^(?:[Oo]ur|[Mm]y|[Tt]heir|the)\s+", "", text)
    words = text.split()
    if not words or len(words) > 6 or words[0].lower() in _NOT_SUBJECTS:
        return None
    if not re.fullmatch(_PROPER, text) and not re.fullmatch(r"[a-z]+(?:\s+[a-z]+){0,2}", text):
        return None
    return text


def other_changes(sentence: str, env: Env, following: str = "") -> list[Fact]:
    from memd.extract.rules_updates import _proper_run, _verb_key, update_tags

    date = env.ref.isoformat() if env.ref else None
    for rx in (_NO_LONGER, _IS_NOW):
        m = rx.search(sentence)
        if not m:
            continue
        who = _subject(sentence[:m.start()])
        if not who:
            return []
        rest = sentence[m.end():]
        key = old = new = None
        if rx is _IS_NOW:
            n = _NOW_INSTEAD.match(rest)
            if n:
                key, old, new = _verb_key(n.group("verb"), None), n.group("old"), n.group("new")
        else:
            for orx in (_OLD_BY, _OLD_PART, _OLD_ING):
                o = orx.match(rest)
                if not o:
                    continue
                old = o.group("old")
                if orx is _OLD_BY:
                    key = f"{o.group('verb')}_by"
                    n = _NEW_BY.search(rest[o.end():])
                    new = n.group("new") if n else None
                else:
                    key = "belongs_to" if orx is _OLD_PART else _verb_key(o.group("verb"), None)
                    after = rest[o.end():]
                    n = _NEW_ANY.search(after) or (_NEW_ANY.search(following) if following else None)
                    new = (n.group("new") or n.group("new2")) if n else None
                break
        if not (key and old and new):
            return []
        old, new = _proper_run(old.strip(" .,")).strip(" .,"), _proper_run(new.strip(" .,")).strip(" .,")
        if old.casefold() == new.casefold() or who.casefold() in (old.casefold(), new.casefold()):
            return []
        tags = ("relation", *update_tags(old, date), LINK_VALUE, ONLY_IF_ENTITY)
        return [Fact(Subject("person", who), key, new, tags)]
    return []
