"""Likes, dislikes, fears and preferences: "I love hiking and rock climbing", "I can't stand
cilantro", "I'm a night owl", "I prefer tea over coffee", "I listen to a lot of jazz".

Negations ("I don't like X any more") and dislikes come before the general "like|love|enjoy"
rule, which would otherwise read "don't really like" as a like. liked_items splits a list of
likes but keeps "mac and cheese" whole; rules_values uses it too.
"""

from __future__ import annotations

import re

from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, HAVE
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, object_value, split_list
from memd.extract.rules_text import clean_value


@rule(
    r"(?:(?:(?:do|does)\s+not\s+(?:like|enjoy|love)|stopped\s+(?:liking|enjoying|loving))\s+(?P<v1>[^,.;!?]+?)\s+(?:any\s*more|any\s+longer)"
    r"|no\s+longer\s+(?:like|likes|enjoy|enjoys|love|loves)\s+(?P<v2>[^,.;!?]+)"
    r"|(?:am|is)\s+(?:not\s+into\s+(?P<v3>[^,.;!?]+?)\s+any\s*more|no\s+longer\s+into\s+(?P<v4>[^,.;!?]+)|over\s+(?P<v5>[^,.;!?]+)))"
)
def likes_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    raw = next(g for g in (m.group(k) for k in ("v1", "v2", "v3", "v4", "v5")) if g)
    return _f(cl, "likes", object_value(raw, cl), ("preference",), negated=True)


@rule(
    r"(?:hate|hates|dislike|dislikes|detest|detests|loathe|loathes|(?:can|could)\s*not\s+stand|"
    r"(?:do|does)\s+not\s+(?:really\s+)?(?:like|enjoy|care\s+for)|(?:have|has)\s+(?:just\s+)?never\s+(?:liked|enjoyed|been\s+(?:a\s+fan\s+of|into))|"
    r"never\s+(?:liked|enjoyed)|(?:am|is|are)\s+(?:not\s+(?:really\s+|exactly\s+|that\s+|too\s+|very\s+)?(?:a\s+(?:big\s+|huge\s+)?fan\s+of|"
    r"into|keen\s+on|fond\s+of)|(?:so\s+)?(?:sick|tired)\s+of))\s+(?P<val>[^;!?]+)"
)
def dislikes(m: re.Match[str], cl: Clause) -> list[Fact]:
    out: list[Fact] = []
    for part in liked_items(object_value(m.group("val"), cl)):
        out += _f(cl, "dislikes", part, ("preference",))
    return out


table_rules("fears")


@rule(
    r"(?:am|is)\s+" + ADV + r"(?P<neg>not\s+(?:really\s+)?)?(?:more\s+of\s+)?(?:a|an)\s+(?:(?:total|big|huge|real|true|complete|early|late)\s+)?"
    r"(?:(?P<what>morning|night|evening|cat|dog|beach|mountain|coffee|tea|people|summer|winter|city|country|outdoors|"
    r"indoor|outdoor|book|movie|dessert|breakfast|sweet|savory|savoury|salty|pizza|homebody)\s+person|"
    r"(?P<owl>night\s+owl|early\s+bird|early\s+riser|homebody|foodie|introvert|extrovert|ambivert|bookworm|"
    r"gym\s+rat|couch\s+potato|coffee\s+addict|coffee\s+snob|neat\s+freak|workaholic|morning\s+lark))\b",
    singular_only=True,
)
def kind_of_person(m: re.Match[str], cl: Clause) -> list[Fact]:
    what = f"{m.group('what')} person" if m.group("what") else re.sub(r"\s+", " ", m.group("owl"))
    return _f(cl, "preferences", ("not a " if m.group("neg") else "") + what, ("preference",))


@rule(
    rf"(?:listen|listens|(?:am|is|are)\s+{ADV}listening)\s+to\s+(?:(?:a\s+lot\s+of|lots\s+of|tons\s+of|mostly|mainly|plenty\s+of|"
    rf"a\s+ton\s+of|so\s+much|loads\s+of)\s+)?(?P<val>[^;!?]+)"
)
def listens_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I listen to a lot of jazz": what someone listens to by habit is a taste.
    v = object_value(m.group("val"), cl, max_words=5)
    if not v or re.match(
        r"(?:my|the|his|her|their|our|your|what|people|everyone|anyone|someone|music\s+while|advice|reason|others|him|me|us|"
        r"them|this|that|it|a\s|an\s|ourselves|myself|yourself|yourselves|themselves|himself|herself|each\s+other|"
        r"one\s+another|nature|the\s+body|body|heart|gut|instincts?|intuition)\b", v, re.I
    ):
        return None
    return _f(cl, "likes", v, ("preference",))


@rule(r"(?:prefer|prefers)\s+(?P<a>[^,;!?]+?)\s+(?:over|to|rather\s+than|instead\s+of)\s+(?P<b>[^,;!?]+)")
def prefers(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    a = object_value(m.group("a"), cl, max_words=5)
    b = object_value(m.group("b"), cl, max_words=5)
    if not a or not b:
        return None
    return _f(cl, "preferences", f"{a} over {b}", ("preference",))


# "Oh great, I just love waiting in line": sarcasm says the opposite; rather write nothing.
_SARCASTIC_LEAD = re.compile(r"\b(?:oh|ah)\s+(?:great|joy|wonderful|fantastic|perfect|goody|lovely|brilliant)\b|"
                             r"\bjust\s+what\s+I\s+needed\b", re.I)
_ANNOYANCES = re.compile(r"\s*(?:waiting|being\s+stuck|getting\s+stuck|sitting\s+in\s+traffic|traffic(?:\s+jams?)?|"
                         r"paperwork|filling\s+out\s+forms|doing\s+(?:my\s+)?taxes|mondays|being\s+(?:ignored|on\s+hold|"
                         r"put\s+on\s+hold|stuck)|when\s+(?:people|my\s+\w+|the\s+\w+)\s+(?:don't|do\s+not|forget|cancel))"
                         r"(?=\s*$|\s*[,.!?;]|\s+(?:in|on|at|for|with|all|every|when|until|behind)\b)", re.I)


def _sarcastic(m: re.Match[str], cl: Clause) -> bool:
    said_just = re.search(r"\bjust\s+(?:love|adore)s?\s*$", m.string[:m.end(0) - len(m.group("val"))].rstrip() + " ")
    return bool(_SARCASTIC_LEAD.search(cl.lead)) or bool(said_just and _ANNOYANCES.match(m.group("val")))


@rule(
    rf"(?:love|loves|loved|like|likes|enjoy|enjoys|enjoyed|adore|adores|adored|prefer|prefers|"
    rf"{HAVE}\s+{ADV}(?:loved|liked|enjoyed|been\s+(?:into|obsessed\s+with|passionate\s+about))|"
    rf"(?:am|is|are)\s+{ADV}(?:into|obsessed\s+with|passionate\s+about|crazy\s+about|addicted\s+to|"
    rf"(?:a\s+)?(?:big\s+|huge\s+|massive\s+|longtime\s+|die-hard\s+)?fans?\s+of|fond\s+of|keen\s+on|enjoying|loving)|"
    rf"{HAVE}\s+(?:a\s+|always\s+had\s+a\s+)?(?:passion|soft\s+spot|love|thing)\s+for|fell\s+in\s+love\s+with|"
    rf"(?:go|goes)\s+(?:crazy|nuts|wild)\s+(?:for|over)|"
    rf"got\s+{ADV}into)\s+(?P<val>[^;!?]+)"
)
def likes(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("val")
    if _sarcastic(m, cl):
        return []
    if cl.subject.kind == "pronoun" and re.match(r"(?:it|that|this|them)\b\s*(?:$|[,.!]|so\s+much|a\s+lot)", raw.strip()):
        # "She loved it": worth keeping only once both "she" and "it" are known.
        return [Fact(cl.subject, "likes", raw.split()[0], ("preference",), needs_object=True)]
    if re.match(r"(?:the\s+)?(?:most|best)\b|(?:is|are|was|were|has|have)\b", raw.strip()):
        # "those we love is important": the verb belongs to another subject
        return []
    listed = _listed_likes(raw, cl)  # "hiking, baking and painting": the value would stop at the first comma
    v = object_value(raw, cl)
    out: list[Fact] = []
    for part in listed or liked_items(v):
        if re.match(r"not\b", part, re.I):
            continue  # "I like Apple, not Google"
        out += _f(cl, "likes", part, ("preference",))
    return out


_NOT_AN_ITEM = re.compile(r"(?:especially|particularly|mostly|mainly|like|such|even|but|so|too|also|though|because|"
                          r"which|who|that|it|this|them|you|your|thanks|thank|lol|haha)\b", re.I)


def _listed_likes(raw: str, cl: Clause) -> list[str]:
    """'hiking, baking bread and painting landscapes' -> three likes, when every comma-separated part
    is a short thing on its own; [] otherwise (the caller reads the value as before)."""
    listed = clean_value(raw, max_words=14, as_list=True)
    if not listed or "," not in listed:
        return []
    parts = split_list(listed)
    if len(parts) < 2 or any(len(p.split()) > 4 or _NOT_AN_ITEM.match(p) for p in parts):
        return []
    items = [object_value(p, cl, max_words=4) for p in parts]
    return items if all(items) else []


# Pairs that name one thing; everything else joined by "and" is a list of things.
_COMPOUNDS = re.compile(
    r"\b(?:mac\s+and\s+cheese|fish\s+and\s+chips|rock\s+and\s+roll|rock\s+n\s+roll|salt\s+and\s+pepper|"
    r"bread\s+and\s+butter|peanut\s+butter\s+and\s+jelly|rhythm\s+and\s+blues|drum\s+and\s+bass|"
    r"arts\s+and\s+crafts|black\s+and\s+white|dungeons\s+and\s+dragons|cheese\s+and\s+wine|"
    r"pros\s+and\s+cons|ups\s+and\s+downs|hide\s+and\s+seek|trial\s+and\s+error)\b",
    re.I,
)


def liked_items(v: str | None) -> list[str]:
    """'hiking and rock climbing' -> two likes; 'mac and cheese' stays one dish."""
    if not v:
        return []
    if _COMPOUNDS.search(v):
        return [v]
    parts = split_list(v)
    if len(parts) > 1 and all(len(p.split()) <= 4 for p in parts):
        return parts
    return [v]
