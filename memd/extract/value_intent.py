"""The value gate's last question: a whole phrase that still says nothing to remember.

Asked by value_gate.check_value after the completeness and shape checks (so a cut phrase is
refused for being cut, not for being vague):

    plans, wishes   an intention that names no outcome: "maintain a balance", "make a positive
                    impact", "lead by example" (no date, name or number, and a head verb that names
                    no concrete change). Kept when it names something that will happen ("visit
                    Japan", "adopt a dog") or a concrete thing the person works on or gets
                    ("get a dog", "work on my business", "build an aerial surveillance system").
    event           a reflection, not something that happened: "wanted some company", "found
                    music also helps me relax".
    activities      musing, not an activity: "finding their zen", "exploring options"; but
                    "looking into local politics" and "exploring endorsement deals" name what the
                    person is doing.

The word lists are general English (abstract nouns, light verbs), nothing tuned to a data set.
"""

from __future__ import annotations

import re

from memd.extract.value_gate import (
    CONJUNCTIONS,
    DETERMINERS,
    EVALUATIVE,
    GENERIC_NOUNS,
    PREPOSITIONS,
    PRONOUNS,
    _capitalised,
)


def vague(key: str, text: str, *, dated: bool) -> str | None:
    """Why a whole phrase still says nothing to remember, or None."""
    if key in ("plans", "wishes") and not dated and vague_intent(text):
        return f"an intention with no outcome, date or name: {text!r}"
    head = text.split()[0].lower() if text.split() else ""
    if key == "event" and head in _INSIGHT_VERBS and _states_a_clause(text):
        # "found music also helps me relax", "learned community involvement is key": what the
        # person concluded, not something that happened.
        return f"a reflection, not an event: {text!r}"
    if key == "event" and head in REFLECTION_VERBS and not _felt_at(text):
        return f"a reflection, not an event: {text!r}"
    if key in _THING_KEYS or key.endswith(("_event", "_plans")):
        why = _nothing_named(text)
        if why:
            return why
    if key in ("likes", "dislikes") and _context_bound(text):
        return f"a part of something said elsewhere, not a thing liked on its own: {text!r}"
    if (key == "activities" and head in VAGUE_ACTIVITY_VERBS and not _capitalised(" ".join(text.split()[1:]))
            and not (head in _SEARCH_VERBS and _concrete_object(text.split()[1:], determiner=False))):
        return f"musing, not an activity: {text!r}"
    return None


_THING_KEYS = frozenset("event activities likes dislikes hobbies plans wishes learning".split())
_PLACEHOLDER = re.compile(r"\b(?:something|anything|stuff)\b(?!\s+(?:called|named|like)\b)", re.I)
_HOW_MUCH = re.compile(r"^[a-z]+ing\s+(?:a\s+(?:ton|lot|bunch|bit|little)|tons|lots|loads|so\s+much|heaps)$", re.I)
_STATE = re.compile(r"^(?:stayed|stay|staying|remained|kept|keeping|making\s+progress|made\s+progress|had\s+(?:great|good|some|many)\s+ideas)"
                    r"(?:\s+(?:motivated|positive|focused|hopeful|busy|strong|calm|going|towards?\b.*))?$", re.I)


# "tag along", "stayed away", "had an incredible time meeting", "built both on and off the court".
_NO_OBJECT = re.compile(r"^(?:(?:now|just|still|currently)\s.*|[a-z]+ed\s+and\s+[a-z]+ed|(?:taken|given|done|gotten|seen|been)\s+and\b.*|"
                        r".*\bto\s+(?:capture|get|make|take|do|find|show|bring|give|put|keep)|.*(?:^|\s)['\"‘“]\w[^'\"’”]*|.*\sthanks|"
                        r"had\s+(?:as|when|since|before|back)\b.*|.*\bto\s+(?:realize|realise|notice|understand|think|see|feel)|"
                        r"both\s+(?!.*\band\b).*|"
                        r".*\s(?:after|before)|tried\s+(?:their|my|his|her|our)\s+hand|.*\b(?:get|got|getting)\s+rid|"
                        r"(?:talked|spoke|chatted|texted)(?!\s+(?:to|with|about|on)\b)(?:\s.*)?|"
                        r"missed\s+(?:chatting|talking|hearing\s+from|seeing)\b.*|.*\s(?-i:ya|u)\b.*|"
                        r".*\s+and\s+(?:learned|learnt|realized|realised|loved|enjoyed|felt|thought)|tag(?:ged|ging)?\s+along|stay(?:ed|ing)?\s+away|(?:had|have|having)\s+(?:an?\s+)?(?:[a-z]+\s+)?time\s+[a-z]+ing"
                        r"|(?:[a-z]+ed|built|made|got|had|did)\s+both\s+(?:on|in|at)\b.*)$", re.I)


def _nothing_named(text: str) -> str | None:
    """Why a phrase names nothing one could remember ("doing something similar", "learning a
    ton", "stayed motivated"), or None."""
    if _PLACEHOLDER.search(text):
        return f"a placeholder ('something', 'stuff') for a thing named elsewhere: {text!r}"
    if _HOW_MUCH.match(text):
        return f"how much, not what: {text!r}"
    if _STATE.match(text):
        return f"a state of mind, not something done: {text!r}"
    if re.match(r"^[a-z]+\s+(?:one|some|another)\s+(?:from|with|of|for|in|at|on|to)\b", text, re.I) or re.search(r"\bended\s+up$", text):
        # "welded one from metal", "brainstorming some to help ...", "went to this charity thing and ended up"
        return f"a thing named elsewhere, or cut away: {text!r}"
    if re.match(r"(?:this|that|these|those)\s", text, re.I):
        return f"a demonstrative: the thing is named elsewhere: {text!r}"  # "learning: this instrument"
    if re.search(r"\bago$|\b(?:all\s+kinds|all\s+sorts|their\s+favou?rite|my\s+favou?rite|everything)$", text, re.I):
        return f"cut before what it is about: {text!r}"  # "started a few days ago", "playing all kinds"
    if _NO_OBJECT.match(text):
        return f"a doing cut from its object: {text!r}"
    words = text.lower().split()
    if len(words) > 1 and words[0] in ("join", "joining") and words[1] in ("in", "and"):
        return f"joining what, it does not say: {text!r}"
    return None


# An "event" headed by a thought or a feeling is a reflection ("noticed a shift in how colleagues
# interact with me"); an "activity" headed by these is musing, not something the person does.
REFLECTION_VERBS = frozenset("""noticed realized realised wanted felt thought lacked wondered reflected
considered""".split())
_INSIGHT_VERBS = frozenset("found learned learnt discovered realised figured".split())
_FINITE = frozenset("""is are was were helps help helped makes make made has have gives give keeps keep works
can could matters matter""".split())


def _states_a_clause(text: str) -> bool:
    """Whether what follows an insight verb is a clause (a finite verb further on, or a gerund
    straight after it: "found sharing experiences rewarding") rather than an object ("found a job")."""
    words = [w.strip(".,!?;:").lower() for w in text.split()[1:]]
    return bool(words) and (words[0].endswith("ing") or any(w in _FINITE for w in words[1:]))


VAGUE_ACTIVITY_VERBS = frozenset("""contemplating considering looking finding growing exploring contributing
reflecting thinking wondering""".split())
# Searching verbs name an activity when what is searched is a thing: "looking into local politics",
# "exploring endorsement deals" (not "looking for ways", "exploring options").
_SEARCH_VERBS = frozenset("looking exploring researching".split())


# Verbs whose undated plan is still something that will happen to the person, named: a trip, a
# move, a purchase, an application. An undated plan headed by any other verb ("set clear
# boundaries", "implement mentorship programs", "conduct surveys") is how someone means to go
# on, advice they agreed with in a chat, not a memory; with a date, a name or a number it stays,
# and so does one whose object is a concrete thing with its article ("get a dog").
CONCRETE_PLAN_VERBS = frozenset("""visit visiting travel traveling travelling fly flying move moving relocate
relocating buy buying adopt adopting run running learn learning apply applying join joining quit quitting
leave leaving marry marrying retire retiring study studying enroll enrolling enrol sign signing graduate
graduating finish finishing complete completing publish publishing release releasing record recording hike
hiking climb climbing attend attending take taking sell selling rent renting renovate renovating propose
proposing meet meeting host hosting volunteer volunteering train training compete competing perform
performing teach teaching go going""".split())
_OPENING_VERBS = frozenset("start starting open opening launch launching".split())
# Nouns that name a state of mind, a quality or a direction, not a thing: "make a positive impact",
# "achieve their goal", "find a better balance", "explore new career paths".
ABSTRACT_NOUNS = frozenset("""impact difference balance growth mindset approach perspective perspectives boundary
boundaries habit habits goal goals wellbeing well-being health life lives journey potential passion passions
talent talents skill skills ability abilities future world environment culture role focus momentum motivation
energy effort efforts strategy strategies practice practices technique techniques possibility possibilities
connection connections relationship relationships priority priorities path paths direction attitude outlook
sense feeling feelings emotions emotion confidence self-care care happiness joy peace purpose meaning value
values vision mission dream dreams best most knowledge understanding awareness insight insights contribution
contributions commitment success career careers importance mix variety range position
findings input thoughts lifestyle attention support help network
presence level levels quality standards example version person""".split()) | GENERIC_NOUNS
# Verbs that make, get or work on a thing: with a concrete object ("get a dog", "build a treehouse",
# "work on my novel") the plan says what will exist or happen. Verbs of conveying, using or
# discussing ("use my position to ...", "discuss my findings") stay vague whatever follows.
MAKING_VERBS = frozenset("""make making create creating build building write writing design designing develop
developing devise devising craft crafting paint painting draw drawing cook cooking bake baking sew sewing knit
knitting plant planting grow growing fix fixing repair repairing decorate decorating organize organizing organise
organising throw throwing book booking get getting buy order ordering try trying surprise surprising work working
finish record film adopt launch open start become becoming""".split())
_PARTICLES = frozenset("on with into for up out at towards toward".split())
_POSSESSIVE = frozenset("a an my their his her our the".split())
_MORE_PREPOSITIONS = frozenset("in on at by as through over around across along after before since".split())


def _concrete_object(words: list[str], *, determiner: bool = True) -> bool:
    """Whether `words` (what follows a verb) open with a concrete thing: an article or possessive
    (when `determiner`), then up to five words whose last one, before the next preposition or
    conjunction, is not an abstract noun. 'their business', 'a dog', 'local politics'."""
    ws = [w.strip(".,!?;:\"'").lower() for w in words]
    if ws and ws[0] in _PARTICLES:
        ws = ws[1:]
    if not ws:
        return False
    if determiner:
        if ws[0] not in _POSSESSIVE:
            return False
        ws = ws[1:]
    elif ws[0] in DETERMINERS or ws[0] in PRONOUNS:
        ws = ws[1:] if ws[0] in _POSSESSIVE else []
    phrase: list[str] = []
    for w in ws[:8]:
        if w in PREPOSITIONS or w in _MORE_PREPOSITIONS or (w in CONJUNCTIONS and w != "and"):
            break
        phrase.append(w)
    while phrase and phrase[-1] == "and":
        phrase.pop()
    if not phrase or len(phrase) > 7:
        return False
    if not determiner and phrase[0].endswith("ing") and len(phrase) > 1 and phrase[1] not in ("and",):
        return False  # "looking into incorporating more ...": a musing about doing ("exploring painting" is a thing)
    if "and" in phrase and phrase[phrase.index("and") - 1] in ABSTRACT_NOUNS:
        return False  # "a meaningful contribution and continue learning": the first thing is abstract
    head = phrase[-1]
    return (head not in ABSTRACT_NOUNS and head not in PRONOUNS and head not in EVALUATIVE
            and head not in DETERMINERS and len(head) > 2)


# "integrate yoga into my routine", "add more vegetables to my diet": a change to how the person
# lives, named ("integrate health practices into daily routines" stays vague: no "my", and
# value_intent refuses abstract objects before this is asked).
_INTO_MY_ROUTINE = re.compile(
    r"^(?:integrat|incorporat|add|includ|build)\w*\s+(?:more\s+|some\s+)?(?P<obj>[a-z][\w-]*(?:\s+(?:and\s+)?[a-z][\w-]*){0,3}?)\s+"
    r"(?:into|to|in)\s+(?:my|their|his|her|our)\s+(?:daily\s+|weekly\s+|morning\s+|evening\s+)?"
    r"(?:routine|diet|schedule|life|day|week|mornings|evenings|workouts?|meals)\b", re.I)


def _into_my_routine(text: str) -> bool:
    m = _INTO_MY_ROUTINE.search(text)
    if not m:
        return False
    obj = m.group("obj").lower().split()
    return obj[0] not in DETERMINERS and obj[0] not in PRONOUNS and obj[-1] not in ABSTRACT_NOUNS


def vague_intent(text: str) -> bool:
    """A plan or wish that says how the person will go on, not what will happen: no date, no
    name or number, and a head verb that names no concrete change ("maintain a balance",
    "implement regular check-ins") and no concrete object, or "learn more about"."""
    words = text.split()
    if not words or _capitalised(" ".join(words[1:])) or any(ch.isdigit() for ch in text):
        return False
    if len(words) <= 3 and words[0][:1].isupper():
        return False  # "Japan", "New Zealand": a name the wish is about (a value does not start a sentence)
    first = words[0].lower()
    second = words[1].lower() if len(words) > 1 else ""
    if first in ("learn", "learning") and second in ("more", "about"):
        return True  # "learn more about X": curiosity, not a plan ("learn Spanish" has a name)
    if second in ("others", "people", "everyone", "everybody", "folks", "someone", "somebody"):
        return True  # "teach others to chase their dreams", "help people": whom is anyone, and nothing is named
    if first in _OPENING_VERBS:
        return second not in ("a", "an", "my", "our", "his", "her", "their")  # "start a podcast", not "start with X"
    if first in CONCRETE_PLAN_VERBS or _into_my_routine(text):
        return False
    return not (first in MAKING_VERBS and (_concrete_object(words[1:]) or _bare_plural_thing(words[1:])))


def _bare_plural_thing(words: list[str]) -> bool:
    """'try dairy-free flavors', 'build birdhouses': things without an article, named in the plural
    ('try new things', 'build better habits' stay vague: their head is abstract)."""
    phrase: list[str] = []
    for w in (x.strip(".,!?;:\"'").lower() for x in words[:5]):
        if w in PREPOSITIONS or w in _MORE_PREPOSITIONS or w in CONJUNCTIONS:
            break
        phrase.append(w)
    if not phrase or len(phrase) > 3 or phrase[0] in DETERMINERS or phrase[0] in PRONOUNS:
        return False
    head = phrase[-1]
    return (head.endswith("s") and not head.endswith("ss") and len(head) > 3 and head not in ABSTRACT_NOUNS
            and head[:-1] not in ABSTRACT_NOUNS and head not in PRONOUNS and head not in EVALUATIVE)


# What someone likes about a thing in front of them ("I love the colors", "the texture", "the
# vibe"), or a bare verb of doing ("talking", "playing"): without the photo or the game the other
# person showed, the line says nothing.
ATTRIBUTE_NOUNS = frozenset("""color colors colour colours texture textures freedom vibe vibes details detail view
views atmosphere energy idea message design style look looks sound shape shapes pattern patterns composition
contrast mood feel lighting light shades shade colorway finish layout name names concept theme themes
story plot ending""".split())
_BARE_DOINGS = frozenset("""talking playing watching making doing going getting having seeing trying working helping
being looking""".split())  # ("reading", "writing", "learning" alone are pursuits)


def _context_bound(text: str) -> bool:
    words = [w.strip(".,!?;:'\"").lower() for w in text.split()]
    if words and words[0] in ("the", "those", "these", "all"):
        words = [w for w in words[1:] if w != "the"]
    if len(words) == 1 and (words[0] in ATTRIBUTE_NOUNS or words[0] in _BARE_DOINGS):
        return True
    return len(text.split()) <= 2 and text.lower().startswith("the ") and words and words[-1] in ATTRIBUTE_NOUNS


def _felt_at(text: str) -> bool:
    """'felt accomplished reaching the top', 'felt proud and grateful at the parade': a feeling
    with what caused it (rules_feelings.py) is an experience, not a reflection."""
    from memd.extract.rules_feelings import FEELINGS

    words = [w.strip(".,!?;:").lower() for w in text.split()]
    return len(words) >= 4 and words[0] == "felt" and words[1] in FEELINGS
