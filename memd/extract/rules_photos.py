"""Photos shared in a chat that say what the speaker made or did: "Here's a photo of X I made".

    "Here's a photo of my horse painting I did recently"   event: made my horse painting
    "Here's a snap of the ice cream I made"                 event: made the ice cream
    "Here's a peek at the space I designed"                 event: designed the space
    "Here's a pic I took at a national park I visited"      event: visited a national park
    "Here's a photo of me cooking a meal"                   activities: cooking a meal

People show what they did more often than they say it; the photo itself is not memory, but
the thing in it and the verb they put to it are. Only the speaker's own verb counts ("the cake my
mom baked" is not theirs), and only a named thing ("a photo of it I took" gives nothing). Asked by
rules_clauses.analyse_sentence for sentences that start by showing a picture.
"""

from __future__ import annotations

import re

from memd.extract.patterns import SELF, Clause, Env, Fact, dated, value_of, when

_SHOW = (r"(?:[Hh]ere\s+is|[Hh]ere\s+are|[Tt]his\s+is|[Cc]heck\s+out|[Ll]ook\s+at)\s+(?:a|an|my|our|the|this|some)\s+"
         r"(?:(?:quick|little|cute|recent|new|old)\s+)?(?:pic|pics|photo|photos|picture|pictures|snap|shot|peek|snapshot)")
# "... of my horse painting I did recently", "... at the space I designed"
_OF_THING_I_DID = re.compile(
    _SHOW + r"\s+(?:of|at|from)\s+(?P<np>(?:my|our|the|a|an|some|one\s+of\s+(?:my|the))\s+(?:[\w'-]+\s+){0,4}?[\w'-]+)\s+"
    r"(?:that\s+|which\s+)?(?P<who>I|we)\s+(?:just\s+|recently\s+|finally\s+|also\s+)?"
    r"(?P<verb>made|did|painted|drew|built|baked|cooked|knitted|sewed|designed|created|wrote|finished|crafted|carved|"
    r"decorated|planted|grew|restored|renovated|fixed|bought|got|caught|won|adopted|visited|climbed|hiked|tried)\b"
    r"(?P<rest>[^;!?]*)")
# "Here's a pic I took at a national park I went to a while ago"
_I_TOOK_AT = re.compile(
    _SHOW + r"\s+(?:that\s+)?(?:I|we)\s+(?:took|snapped|got)\s+(?:at|in|on)\s+(?P<place>(?:a|an|the|my|our)\s+(?:[\w'-]+\s+){0,4}?[\w'-]+)"
    r"\s+(?:that\s+)?(?:I|we)\s+(?P<verb>went\s+to|visited|hiked|went)\b(?P<rest>[^;!?]*)")
# "Here's a photo of me cooking a meal", "a pic of us hiking the Dolomites"
_OF_ME_DOING = re.compile(_SHOW + r"\s+of\s+(?:me|us|myself)\s+(?P<ing>[a-z]{3,}ing)\s+(?P<obj>[^;!?]+)")
_POINTER = re.compile(r"(?:it|them|this|that|these|those|one|something|stuff)\b", re.I)
_SAID_ELSEWHERE = re.compile(r"\b(?:you|your)\b", re.I)


def photo_statement(text: str, env: Env) -> list[Fact]:
    """Facts from a sentence that shows a photo of something the speaker made or did."""
    cl = Clause(SELF, text, "", env)
    m = _OF_THING_I_DID.match(text)
    if m:
        np = m.group("np").strip()
        if _POINTER.match(re.sub(r"^(?:my|our|the|a|an|some)\s+", "", np)) or _SAID_ELSEWHERE.search(np):
            return []
        verb = "made" if m.group("verb") == "did" else m.group("verb")
        v = value_of(np, cl, "past", max_words=7)
        if not v:
            return []
        return [Fact(SELF, "event", dated(f"{verb} {v}", when(Clause(SELF, m.group("rest"), "", env), "past")), ("event",))]
    m = _I_TOOK_AT.match(text)
    if m and m.group("verb"):
        v = value_of(m.group("place"), cl, "past", max_words=6)
        if not v or _POINTER.match(v.split(maxsplit=1)[-1]):
            return []
        verb = "visited" if m.group("verb").startswith("went") else m.group("verb")
        return [Fact(SELF, "event", dated(f"{verb} {v}", when(Clause(SELF, m.group("rest"), "", env), "past")), ("event",))]
    m = _OF_ME_DOING.match(text)
    if m:
        obj = m.group("obj").strip()
        if _POINTER.match(obj) or _SAID_ELSEWHERE.search(obj) or m.group("ing") in ("doing", "having", "being", "getting", "looking"):
            return []
        v = value_of(f"{m.group('ing')} {obj}", cl, max_words=7)
        return [Fact(SELF, "activities", v, ("activity",))] if v and len(v.split()) >= 2 else []
    return []
