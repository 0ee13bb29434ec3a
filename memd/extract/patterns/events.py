"""Things that happened and things going on: "I've been to Peru", "I ran a half marathon last
month", "I dyed my hair", "I'm training for a marathon".

These are the most general rules and come last: a listed event verb, then any regular past tense
(past_generic), then any "-ing" activity. Each refuses vague phrases ("had a great time", "I'm
thinking about it") that would otherwise be stored as events.
"""

from __future__ import annotations

import re
from datetime import date

from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, ADV_WORDS, HAVE
from memd.extract.patterns.plans import FUTURE_CUE
from memd.extract.patterns.values import INDEFINITE, _f, dated, value_of, vp_value, when
from memd.extract.patterns.words import alternation, word_set


@rule(rf"{HAVE}\s+{ADV}been\s+to\s+(?P<val>[^;!?]+)")
def been_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("val"), cl, "past", max_words=6)
    if not v or re.match(r"(?:a\s+lot|so\s+many|many|lots|it|that|this|there)\b", v):
        return None
    return _f(cl, "event", dated(f"been to {v}", when(cl, "past")), ("event", "travel"))


# The verbs of "I <verb> ..." and "I have <verb> ..." that make an event (words.toml).
EVENT_VERBS = alternation("event_verbs")
_EVENT_PP = alternation("event_participles")
_GENERIC_REST = re.compile(
    r"(?:(?:time|day|week|weekend|night|month|year|experience|one|chat|talk|conversation|moment|while|ride|"
    r"run|start|bit|lot|so|too|much|really|again|already|"
    # "had a blast to the very end", "had tons of fun outside", "spoke last": where or how long, not what
    r"last|outside|inside|together|to\s+the\s+(?:very\s+)?end|all\s+(?:day|night)|laugh|laughs|"
    # "had a great accomplishment": a verdict on something the sentence does not name
    r"accomplishment|achievement|milestone|success|adventure)\b\s*)*$",
    re.I,
)


def vague_event(phrase: str) -> bool:
    """'had a great time' says nothing; 'had a great time at the jazz festival' does."""
    m = _VAGUE_EVENT.match(phrase)
    return bool(m) and bool(_GENERIC_REST.match(phrase[m.end():].strip()))


_VAGUE_EVENT = re.compile(
    r"^(?:(?:have|has|needed)\s+to\b|(?:had|got|made|took|found|saw|went|tried|read|watched|spent|lost|missed|"
    r"called|texted|talked|chatted|spoke|spoken|worked|left|passed|decided|reached|got\s+back|came\s+back|caught\s+up)\s+"
    r"(?:(?:a|an|the|some|so\s+much|such\s+a|really|really\s+a|pretty|so|too|very|quite|lots\s+of|tons\s+of|"
    r"a\s+(?:ton|lot)\s+of|a\s+good|a\s+personal|a\s+big)\s+)*"
    r"(?:(?:fun|blast|great|good|nice|amazing|awesome|wonderful|lovely|bad|rough|tough|hard|long|busy|crazy|"
    r"to\s+bed|to\s+sleep|sick|time|chance|opportunity|idea|feeling|point|way|lot|bit|day|week|night|much|"
    r"everything|something|nothing|anything|used|better|worse|lucky|ready|tired|stuck|married|engaged|"
    r"divorced|hired|promoted|fired|laid|into|to\s+know|to\s+see|to\s+talk|to\s+it|your|my\s+best|what|"
    r"how|why|when|where|sure|inspired|emotional|excited|nervous|scared|hooked|the\s+hang|a\s+sense|"
    r"to\s+say|(?:a|an)\s+\w+\s+(?:week|day|time|weekend|month|year|night|ride)|some|laugh|accomplishment|"
    r"achievement|milestone|last)\b"
    # A pronoun or particle alone: "made it", "went out", "took them" say nothing by themselves.
    r"|(?:it|that|this|them|him|her|you|me|us|home|back|out|well|there|here|by|up|on|off|in|away|over|"
    r"through|along|around|together)(?:\s+(?:so|too|again|already|together|now|then|anyway|finally|"
    r"earlier|later|back|out|up|off|home))*\s*$))",
    re.I,
)


# "Took a bit of work, but ...", "it took some trial and error": the dropped subject is "it", and
# what it took (effort, time) is no event of the speaker's ("took a trip" is).
_IT_TOOK = re.compile(
    r"took\s+(?:(?:a\s+(?:bit|lot|little|while)|some|lots|so\s+much|much|more|a\s+few|many|several|forever|ages)\s+)?"
    r"(?:of\s+)?(?:\w+\s+)?(?:work|time|effort|trial\s+and\s+error|practice|patience|courage|guts|tries|attempts|"
    r"convincing|getting\s+used\s+to|while|forever|ages|minutes|hours|days|weeks|months|years)\b")


@rule(
    rf"(?P<verb>{EVENT_VERBS}|{HAVE}\s+{ADV}(?:{_EVENT_PP})|(?:was|were)\s+(?:able\s+to\s+|lucky\s+enough\s+to\s+)?"
    rf"(?:invited\s+to|accepted\s+(?:to|into)|awarded|chosen|selected|elected|nominated|featured))\s+(?P<val>[^;!?]+)"
)
def event(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = re.sub(r"\s+", " ", m.group("verb"))
    verb = re.sub(rf"^(?:have|has)\s+(?:(?:{ADV_WORDS})\s+)*", "", verb)
    rest = m.group("val")
    if re.match(r"(?:not|never)\b", rest):
        return None
    if verb in _TRANSITIVE and _TRANSITIVE_GAP.match(rest):
        return None  # "a pic I took during a workout": the object is before the verb
    if verb == "had" and re.match(r"to\s+(?:the\s+)?[A-Z]", rest):
        return None  # "a vacation we had to California": "had to" before a name is no obligation; the object came first
    v = value_of(rest, cl, "past", max_words=9)
    if not v:
        return None
    phrase = f"{verb} {v}"
    if _IT_TOOK.match(phrase):
        return None
    if vague_event(phrase) or INDEFINITE.match(v) or re.fullmatch(r"(?:up\s+|on\s+|out\s+)?(?:" + "|".join(_VAGUE_GERUNDS) + ")", v):
        return None
    if re.search(r"\byou(?:r|rs)?\b", phrase, re.I):
        return None
    if len(phrase.split()) < 2 + (verb in ("got", "had", "made", "took", "did", "went")):
        return None
    return _f(cl, "event", dated(phrase, when(cl, "past")), ("event",))


@rule(rf"(?:am|is|are)\s+{ADV}(?P<verb>[a-z]+ing)\s+(?P<val>[^;!?]+)")
def progressive_plan(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "We're flying to Tokyo next Friday": the present progressive with a future time is a plan.
    if not (FUTURE_CUE.search(cl.pred) or FUTURE_CUE.search(cl.lead)) or m.group("verb") in ("going", "thinking", "hoping", "looking", "getting", "doing", "trying", "feeling"):
        return None
    v = vp_value(m.group("verb") + " " + m.group("val"), cl, "future")
    if not v:
        return None
    return _f(cl, "plans", dated(v, when(cl, "future")), ("plan",))


# "-ed" words that are no past tense, and participles that after "I" are feelings ("excited").
_NOT_PAST = word_set("not_past") | word_set("feeling_participles")
# "I gave up trying", "I started thinking": an -ing word alone that names nothing done.
_VAGUE_GERUNDS = word_set("vague_gerunds")
# "a pic I took during a workout", "the figurines I bought yesterday remind me": a verb that
# needs an object, followed straight away by a preposition, time or verb, had its object
# earlier in the sentence. Such clauses say nothing on their own.
_TRANSITIVE_GAP = re.compile(
    r"^(?:during|at|in|on|from|after|before|when|while|last|yesterday|today|because|so|and|but|"
    r"was|were|is|are|remind|reminds|there|here|it|the\s+other\s+day|a\s+few|recently|earlier|online)\b",
    re.I,
)
_TRANSITIVE = word_set("transitive")


@rule(rf"(?P<verb>[a-z]{{2,}}ed|{HAVE}\s+{ADV}[a-z]{{2,}}ed)\s+(?P<val>[^;!?]+)")
def past_generic(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # Any regular past tense after "I" is something that happened ("I emailed some
    # wholesalers", "I dyed my hair"); the verb lists above only add the irregular ones.
    verb = re.sub(rf"^(?:have|has)\s+(?:(?:{ADV_WORDS})\s+)*", "", m.group("verb"))
    if verb in _NOT_PAST or verb.endswith("eed"):
        return None
    rest = m.group("val")
    if re.match(r"(?:during|while|when|last|yesterday|remind|reminds|is|are|was|were)\b", rest):
        return None
    v = value_of(rest, cl, "past", max_words=9)
    if not v:
        return None
    phrase = f"{verb} {v}"
    if vague_event(phrase) or re.search(r"\byou(?:r|rs)?\b", phrase, re.I) or INDEFINITE.match(v):
        return None
    return _f(cl, "event", dated(phrase, when(cl, "past")), ("event",))


_ACTIVITY_VERBS = alternation("activity_verbs")
# "-ing" verbs that describe a state of mind or a conversation move, not something the speaker
# is doing: "I'm thinking about it", "I'm going through a lot", "I'm loving it".
_NOT_ACTIVITIES = word_set("not_activities")
# ...unless followed by what makes them a pursuit.
_ACTIVITY_PHRASES = ("looking for", "looking into", "making", "trying out", "running a", "planning a")
_ERRAND = re.compile(
    r"(?:(?:a|an|some|the|good|nice|new|fun|easy|quick|cheap|simple|healthy|\d+)\s+)*(?:gift|present|recipe|idea|suggestion|"
    r"recommendation|advice|help|tip|way|word|name|movie|film|show|song|book\s+to\s+read|answer|"
    r"example|template|quote|caption|synonym|phrase|joke|playlist|activity|game|outfit)s?\b",
    re.I,
)
_DURATION_ONLY = re.compile(
    r"(?:for|since|lately|recently|all\s+day|a\s+lot|so\s+much|non-stop|nonstop|a\s+while)\b|"
    r"(?:a|an|one|two|three|four|five|six|a\s+few|a\s+couple\s+of|\d+)\s+(?:minutes?|hours?|days?|weeks?|months?|years?)\b"
)


# -ing verbs that name a pursuit on their own ("reading a lot", "painting so much").
_PURSUITS = frozenset("""reading writing painting drawing cooking baking running hiking swimming cycling biking traveling
travelling practicing practising studying knitting sewing gardening dancing singing climbing skating surfing journaling
meditating volunteering""".split())


_RACE = re.compile(r"(?:the|a|an|my|in\s+the)\s+(?:[\w'-]+\s+){0,3}?(?:marathon|half-marathon|half|race|5k|10k|ultra|"
                   r"triathlon|relay|fun\s+run)\b", re.I)


def _dated_ahead(cl: Clause) -> bool:
    """'I'm flying to Toronto on April 4th': a present progressive with a day after today is an
    arrangement (a plan), not something going on now."""
    t = when(cl, "future")
    ref = cl.env.ref
    if not (t and t.value and ref and t.precision == "day" and t.value > ref.isoformat()[:10]):
        return False
    if re.search(r"\b(?:since|from|still)\b", cl.pred, re.I):
        return False  # "teaching yoga since April 2nd", "still recovering from my surgery on May 1st"
    # An arrangement is for the coming months; a day eleven months ahead or more was more likely
    # one just gone ("recovering from my surgery on May 1st", said on May 8th).
    return (date.fromisoformat(t.value) - ref).days <= 330


@rule(
    rf"(?:(?:am|is|are)\s+{ADV}(?P<verb>{_ACTIVITY_VERBS}|[a-z]{{3,}}ing(?:\s+(?:on|for|up|out|at|with|into))?)|"
    rf"{HAVE}\s+{ADV}been\s+{ADV}(?P<verb2>[a-z]+ing(?:\s+(?:on|for|up|out|at|with|to|into))?))"
    rf"\s+(?P<val>[^;!?]+)"
)
def activity(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = re.sub(r"\s+", " ", m.group("verb") or m.group("verb2"))
    rest = m.group("val")
    blocked = verb.split()[0] in _NOT_ACTIVITIES and not verb.startswith(_ACTIVITY_PHRASES) \
        and not (verb == "running" and _RACE.match(rest))  # "running late", but "running the Berlin marathon"
    # "I'm trying kundalini yoga" is a pursuit; "I'm trying to stay calm" is not.
    tried_thing = verb == "trying" and not rest.startswith(("to ", "my best", "hard", "not "))
    if blocked and not tried_thing:
        return None
    if _DURATION_ONLY.match(rest):
        if verb in _PURSUITS and re.match(r"(?:a\s+lot|so\s+much)\b", rest):
            # "I've been reading a lot in the past week": the pursuit is named by its verb
            return _f(cl, "activities", verb, ("activity",))
        return None  # "I've been playing for a month": how long, but not what
    if verb in ("looking for", "searching for") and _ERRAND.match(rest):
        return None  # "I'm looking for a gift for my husband": an errand for the assistant
    future = m.group("verb") is not None and (bool(FUTURE_CUE.search(cl.pred)) or _dated_ahead(cl))
    v = value_of(rest, cl, "future" if future else "any", max_words=9)
    if not v:
        return None
    phrase = f"{verb} {v}"
    if re.search(r"\byou(?:r|rs)?\b", phrase, re.I) or vague_event(phrase):
        return None
    if verb in ("making", "reading", "playing", "taking") and len(v.split()) < 2 and not v[:1].isupper():
        return None
    if future:
        return _f(cl, "plans", dated(phrase, when(cl, "future")), ("plan",))
    return _f(cl, "activities", phrase, ("activity",))
