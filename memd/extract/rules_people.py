"""Third-person statements the general clause rules leave out: facts between two other people,
a job that came with a move, a person's or an organisation's switch.

    "Aisha got engaged to Karim"             Aisha: fiance -> Karim, Karim: fiance -> Aisha
    "Tom and Mia got married"                Tom: spouse -> Mia, Mia: spouse -> Tom
    "Lena moved to Zurich for a job at Google"   Lena: employer Google
    "Jonas quit Baukraft and joined Siemens" Jonas: employer Siemens (was Baukraft)
    "Clay Creek Co-op switched kilns"        Clay Creek Co-op: event "switched kilns"
    "Clay Creek Co-op switched from A to B"  ...and, as an update, whatever line holds A

A relation between two people is written on both (apply.py turns `<relation>: <Name>` on an
entity into a link to that person's file), so each links to the other.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns import JOB, NAME, Env, Fact, Subject, valid_name
from memd.extract.conventions import ONLY_IF_HELD
from memd.extract.rules_updates import _END, _NEW_AFTER, _clean, _proper_run, _verb_key, update_tags

_ORG = r"(?:the\s+)?[A-Z][\w'’.&-]*(?:\s+(?:of|de|the|and|&|[A-Z0-9][\w'’.&-]*)){0,5}"
_PAIR = re.compile(
    rf"^(?P<a>{NAME})\s+(?:and\s+(?P<b>{NAME})\s+)?(?:just\s+|finally\s+|recently\s+)?"
    rf"(?:got|are|is|were)\s+(?P<what>engaged|married)(?:\s+to\s+(?P<b2>{NAME}))?\b"
)
_JOB_WITH_MOVE = re.compile(
    rf"^(?P<a>{NAME})\s+(?:just\s+|recently\s+)?(?:moved|relocated|went)\s+to\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?\s+"
    rf"for\s+(?:a|her|his|their)\s+(?:new\s+)?(?:job|position|role)(?:\s+as\s+(?:a|an)\s+(?P<job>{JOB}))?\s+(?:at|with)\s+(?P<org>{_ORG})"
)
_QUIT_JOIN = re.compile(
    rf"^(?P<a>{NAME})\s+(?:just\s+|recently\s+|finally\s+)?(?:quit|left)\s+(?P<old>{_ORG})(?:\s+[^,;.!?]*?)?(?:,\s*|\s+)"
    rf"(?:and|to)\s+(?:has\s+)?(?:joined|join|started\s+(?:at|with)|moved\s+to|went\s+to)\s+(?P<org>{_ORG})"
)
_ORG_SWITCH = re.compile(
    rf"^(?P<a>{_ORG})\s+(?:has\s+|have\s+|just\s+|recently\s+|finally\s+)*(?P<verb>switched|changed|replaced|upgraded|renamed|rebranded)\s+"
    r"(?:(?:its|their|his|her|the)\s+)?(?P<rest>[^,;!?]{1,80}?)\s*(?:[.!]|$)"
)
_FROM_TO = re.compile(rf"^(?:(?P<k>[a-z]+(?:\s+[a-z]+)?)\s+)?from\s+(?:the\s+)?(?P<old>.+?)\s+to\s+(?:the\s+)?(?P<new>.+?){_END}")
_REL = {"engaged": "fiance", "married": "spouse"}
# "Jonas no longer works at Baukraft, he joined Stripe", "Outback Choppers is no longer servicing
# MacAlister Station, they switched to Thornfield Ranch": someone else's switch, the new value
# read after the old one as for the user's own (rules_updates._NEW_AFTER).
_THEIR_NO_LONGER = re.compile(
    rf"^(?P<a>{_ORG})\s+(?:is\s+|has\s+|are\s+)?no\s+longer\s+(?P<verb>[a-z]+)\s+(?:(?:helicopter|the|their|his|her|its)\s+)?"
    rf"(?:[a-z]+\s+)?(?:(?P<prep>at|for|in|with|as|to|from|by)\s+)?(?:the\s+)?(?P<old>[A-Z][\w'’&-]*(?:\s+(?:of|de|the|and|&|[A-Z0-9][\w'’&-]*)){{0,5}})"
)
# "Tom is now a nurse", "Mia now works at Stripe", "Lena now lives in Zurich".
_THEIR_NOW = re.compile(
    rf"^(?P<a>{NAME})\s+(?:is\s+now\s+(?:a|an)\s+(?P<job>{JOB})(?=\s*(?:$|[,.;!]|\s+at\b|\s+in\b|\s+for\b))"
    rf"|now\s+(?P<verb>works|lives)\s+(?:at|for|in|with)\s+(?P<val>{_ORG}))"
)
_THIRD_VERB_KEYS = {"works": "employer", "work": "employer", "lives": "living_location", "live": "living_location"}


def _person(name: str | None, env: Env) -> str | None:
    n = valid_name(name)
    return n if n and n not in lex.NOT_NAMES else None


_TRIGGER = re.compile(r"\b(?:engaged|married|job|position|role|quit|left|switched|changed|replaced|upgraded|renamed|rebranded|longer|now)\b")


def third_person_facts(sentence: str, env: Env) -> list[Fact]:
    """Facts about other people and organisations; [] when the sentence has none of these."""
    s = sentence.strip()
    if not s[:1].isupper() or not _TRIGGER.search(s):
        return []
    out: list[Fact] = []
    m = _PAIR.match(s)
    if m:
        a, b = _person(m.group("a"), env), _person(m.group("b") or m.group("b2"), env)
        if a and b and a != b:
            rel = _REL[m.group("what")]
            out += [Fact(Subject("person", a), rel, b, ("relationship",)),
                    Fact(Subject("person", b), rel, a, ("relationship",))]
        return out
    m = _JOB_WITH_MOVE.match(s)
    if m and _person(m.group("a"), env):
        subj = Subject("person", _person(m.group("a"), env))
        org = _clean(_proper_run(m.group("org")))
        if org:
            out.append(Fact(subj, "employer", org, ("work",)))
        if m.group("job"):
            out.append(Fact(subj, "job_title", m.group("job").lower(), ("work",)))
        return out
    m = _QUIT_JOIN.match(s)
    if m and _person(m.group("a"), env):
        old, new = _clean(_proper_run(m.group("old"))), _clean(_proper_run(m.group("org")))
        date = env.ref.isoformat() if env.ref else None
        if old and new and old != new:
            return [Fact(Subject("person", _person(m.group("a"), env)), "employer", new, ("work", *update_tags(old, date)))]
        return []
    got = _their_change(s, env)
    if got is not None:
        return got
    m = _ORG_SWITCH.match(s)
    if m:
        name = _clean(m.group("a"))
        if not name or name.split()[0] in lex.NOT_NAMES or name.split()[0] in ("I", "We", "My", "Our", "It", "This", "That"):
            return []
        subj = Subject("person", name)
        rest = m.group("rest")
        ft = _FROM_TO.match(rest)
        if ft and _clean(ft.group("old")) and _clean(ft.group("new")):
            date = env.ref.isoformat() if env.ref else None
            key = re.sub(r"\s+", "_", ft.group("k")) if ft.group("k") else "status"
            out.append(Fact(subj, key, _clean(ft.group("new")),
                            ("update", *update_tags(_clean(ft.group("old")), date), ONLY_IF_HELD)))
        text = f"{m.group('verb')} {rest}".strip()
        if len(text.split()) <= 10:
            out.append(Fact(subj, "event", f"{env.ref.isoformat()}: {text}" if env.ref else text, ("event",)))
    return out


# "I need to update our records - Outback Choppers is no longer ...": the statement after a
# request's dash or colon.
_AFTER_REQUEST = re.compile(r"^I\s+(?:need|want|would\s+like|have)\s+to\s+(?:update|correct|change|fix)\b[^-–—:]{0,80}?\s*[-–—:]\s*")


def _their_change(s: str, env: Env) -> list[Fact] | None:
    """A person's or organisation's "no longer X, now Y" and "is now a Y"; None if neither."""
    r = _AFTER_REQUEST.match(s)
    if r:
        s = s[r.end():]
    m = _THEIR_NO_LONGER.match(s)
    if m:
        name = _clean(m.group("a"))
        old = _clean(_proper_run(m.group("old")))
        if not name or not old or name.split()[0] in lex.NOT_NAMES or name.split()[0] in ("I", "We", "My", "Our", "It", "This", "That"):
            return []
        n = _NEW_AFTER.search(s, m.end())
        new = n and (n.group("new") or n.group("new2") or n.group("new3") or n.group("new4") or n.group("new5"))
        new = _clean(_proper_run(new)) if new else None
        verb, prep = m.group("verb"), m.group("prep")
        key = _THIRD_VERB_KEYS.get(verb) if prep in ("at", "for", "in", None) else None
        if not new or new.casefold() == old.casefold():
            # A plain "Jonas no longer works at Baukraft": the value goes, nothing replaces it.
            # Only a first name or a known person: "Acme Corp no longer works at X" is no one's job.
            one_word = " " not in name.strip()
            person = _person(name, env) if key and (one_word or name in env.known_names) else None
            return [Fact(Subject("person", person), key, old, ("work" if key == "employer" else "location",), negated=True)] if person else []
        date = env.ref.isoformat() if env.ref else None
        tags = ("work" if key == "employer" else "location" if key else "relation", *update_tags(old, date))
        if key is None:
            # The key is only guessed from the verb: change the line that holds the old value, or nothing.
            key = _verb_key(verb if verb.endswith("ing") else None, prep) or "status"
            tags += (ONLY_IF_HELD,)
        return [Fact(Subject("person", name), key, new, tags)]
    m = _THEIR_NOW.match(s)
    if m and _person(m.group("a"), env):
        subj = Subject("person", _person(m.group("a"), env))
        date = env.ref.isoformat() if env.ref else None
        if m.group("job"):
            return [Fact(subj, "job_title", m.group("job").lower(), ("work", *update_tags(None, date)))]
        val = _clean(_proper_run(m.group("val")))
        key = _THIRD_VERB_KEYS[m.group("verb")]
        return [Fact(subj, key, val, ("work" if key == "employer" else "location", *update_tags(None, date)))] if val else []
    return None
