"""Hobbies and learning: "I run every morning", "I play the piano", "I go hiking", "I took up
pottery", "I'm learning to drive", "I'm taking Spanish lessons".

Habits with a frequency ("every morning") before the bare verbs; giving a hobby up before
playing one; "took up / started" before "learning", since "started learning to play the guitar"
is read by took_up through learning_value.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, ADV_WORDS, HAVE, LANG_ALT, NO_MORE
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import VAGUE_VERBS, _f, dated, value_of, when
from memd.extract.rules_text import clean_value, gerund


_HOBBY_VERBS = lex.alternation(lex.HOBBY_VERBS)
_HOBBY_GERUNDS = lex.alternation(lex.HOBBY_GERUNDS)
_HABIT = (
    r"in\s+my\s+(?:free|spare|down)\s+time|for\s+fun|as\s+a\s+hobby|on\s+(?:the\s+)?weekends|"
    r"every\s+(?:single\s+)?(?:day|morning|evening|night|weekend|week|other\s+day|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)|most\s+(?:days|mornings|evenings|nights|weekends)|"
    r"(?:once|twice|three\s+times|four\s+times|five\s+times|a\s+few\s+times|several\s+times)\s+a\s+(?:week|month|day)|"
    r"daily|regularly|whenever\s+I\s+(?:can|get\s+the\s+chance)|in\s+the\s+(?:mornings|evenings)|"
    r"on\s+(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
)


table_rules("goes_to_habit", HABIT=_HABIT)


@rule(
    rf"(?P<verb>{_HOBBY_VERBS})(?:s|es)?(?P<obj>(?:\s+(?!(?:in|for|as|on|every|most|once|twice|daily|regularly|whenever|"
    rf"and|but|with|at|to)\b)[\w'-]+){{0,3}}?)(?:\s+(?:with|at|in|near|around)\s+(?:[\w'-]+\s+){{0,3}}?)?\s+(?i:{_HABIT})\b"
)
def habit(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I run every morning", "I write poetry in my spare time": a habit of a hobby verb.
    obj = m.group("obj").strip()
    if re.match(r"(?:it|that|this|them|you|me|him|her|a\s+lot|too)\b", obj):
        return None
    v = gerund(m.group("verb")) + (f" {obj}" if obj else "")
    return _f(cl, "hobbies", v, ("hobby",))


@rule(
    rf"(?P<verb>sing|sings|play|plays|dance|dances|perform|performs)\s+(?:in|with)\s+"
    rf"(?:a|an|the|my|our|his|her|their)\s+(?P<grp>(?:[\w'-]+\s+){{0,2}}?(?:choir|band|chorus|orchestra|quartet|ensemble|"
    rf"troupe|dance\s+company|league|team|club))\b"
)
def sings_in(m: re.Match[str], cl: Clause) -> list[Fact]:
    verb = m.group("verb")
    base = verb[:-1] if verb.endswith("s") else verb
    grp = re.sub(r"\s+", " ", m.group("grp"))
    art = "an" if grp[0] in "aeiou" else "a"
    return _f(cl, "hobbies", f"{gerund(base)} in {art} {grp}", ("hobby",))


@rule(rf"(?:collect|collects|(?:am|is|are)\s+{ADV}collecting|{HAVE}\s+{ADV}been\s+collecting)\s+(?P<val>[^;!?]+)")
def collects(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("val"), cl, max_words=4)
    if not v or re.match(
        r"(?:my|the|his|her|our|their|your|it|them|this|that|these|those|some|data|money|info|information|feedback|"
        r"evidence|payments?|unemployment|benefits|points|dust|myself|thoughts)\b", v, re.I
    ):
        return None
    return _f(cl, "hobbies", f"collecting {v}", ("hobby",))


_MOMENT_AFTER = re.compile(
    r"\s+(?:to|for\s+(?:a|the)|when|because|after|at|in\s+the\s+middle|halfway|mid|so|right|and\s+(?:started|looked|turned|waited))\b"
)


@rule(
    rf"(?:(?P<stop>stopped|quit|gave\s+up|{HAVE}\s+{ADV}(?:stopped|quit|given\s+up))\s+(?:(?P<p1>playing)\s+(?:the\s+)?(?P<o1>[a-z]+)|(?P<g1>{_HOBBY_GERUNDS}))"
    rf"|(?:(?:do|does)\s+not\s+(?=.*\b{NO_MORE})|no\s+longer\s+)(?:(?P<p2>play|plays)\s+(?:the\s+)?(?P<o2>[a-z]+)|(?:do|does)\s+(?P<g2>{_HOBBY_GERUNDS})|"
    rf"(?:go|goes)\s+(?P<g3>{_HOBBY_GERUNDS})|(?P<v2>{_HOBBY_VERBS})(?:s|es)?))(?![\w-])"
)
def hobby_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I stopped playing tennis", "I don't play soccer anymore", "I gave up running".
    if _MOMENT_AFTER.match(m.string, m.end()):
        return []  # "I stopped running to catch my breath" is a moment, not a hobby given up
    obj = m.group("o1") or m.group("o2")
    if obj:
        if obj in ("with", "around", "games", "game", "it", "that", "this", "along", "for", "in", "a", "an", "any", "anymore", "much", "nice", "dumb", "dead", "pretend"):
            return None
        v = f"playing {obj}"
    elif m.group("v2"):
        v = gerund(m.group("v2"))
    else:
        v = m.group("g1") or m.group("g2") or m.group("g3")
    out = _f(cl, "hobbies", v, ("hobby",), negated=True)
    t = when(cl, "past") if m.group("stop") else None
    if t:
        verb = "gave up" if "give" in m.group("stop") or "gave" in m.group("stop") else "stopped" if "stop" in m.group("stop") else "quit"
        out += _f(cl, "event", dated(f"{verb} {v}", t), ("event", "hobby"))
    return out


_PLAYED_TOO = re.compile(
    r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?(?P<v2>[a-z][a-z-]+)"
    r"(?=\s*$|\s*[,.;!]|\s+(?:on|every|with|at|in|for|when|since|too|as\s+well)\b)"
)


@rule(
    r"(?P<verb>play|plays|(?:am|is|are)\s+playing|" + HAVE + r"\s+been\s+playing)\s+(?:the\s+)?"
    r"(?P<val>(?!with\b|around\b|it\b|that\b|this\b|a\s+role\b|along\b|games?\s+with\b)[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)(?=$|[\s,.!;])"
)
def plays(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = clean_value(m.group("val"), max_words=3)
    if not v or v in ("a", "an", "some", "my", "games", "for", "in", "on", "at", "music for", "outside"):
        return None
    v = re.sub(r"\s+(?:every|on|at|with|for|in)$", "", v)
    out = _f(cl, "hobbies", f"playing {v}", ("hobby",))
    # "I play the piano and the violin", "tennis and golf": a second thing played, when the
    # clause ends with it (not "tennis and run marathons"). The value pattern may have taken
    # the "and" as a second word, so look again right after a one-word value.
    if len(v.split()) == 1:
        after = m.string[m.start("val") + len(v):]
        am = _PLAYED_TOO.match(after)
        if am and am.group("v2") not in ("more", "stuff", "things", "so", "such", "other", "others", "everything", "it", "them"):
            out += _f(cl, "hobbies", f"playing {am.group('v2')}", ("hobby",))
    return out


@rule(r"(?:go|goes)\s+(?P<val>[a-z]+ing)\b(?!\s+to\b)")
def goes_doing(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = m.group("val").lower()
    if v in ("going", "nothing", "something", "everything", "thing", "bring", "sing", "king", "ring", "spring", "wing"):
        return None
    return _f(cl, "hobbies", v, ("hobby",))


table_rules("does_activity")


_TAKING_LESSONS = re.compile(
    r"taking\s+(?:(?:a|an|some|private|online|weekly)\s+)*(?P<what>(?!a\b|an\b|the\b)[A-Za-z][\w-]*(?:\s+(?!lessons?\b|class(?:es)?\b|courses?\b)[A-Za-z][\w-]*)?)\s+"
    r"(?:lessons?|class(?:es)?|courses?)\b"
)
_TOOK_UP_STOP = (
    r"and|but|because|with|last|this|in|since|during|when|while|after|before|again|over|at|on|for|"
    r"every|as|to|from|of|recently|lately|today|yesterday|back|now"
)
# "started surfing five years ago": the span of time is no part of the hobby.
_SPAN = (
    r"(?:a|an|\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|several|few|couple|many)\s+"
    r"(?:(?:few|couple(?:\s+of)?)\s+)?(?:years?|months?|weeks?|days?|decades?)\b"
)
# "picked up the other day": a time, not a thing picked up.
_NOT_A_THING = r"other|same|next|last|first|whole|rest|day|week|month|year|time|moment"


@rule(
    rf"(?P<verb>took\s+up|picked\s+up|started|began|{HAVE}\s+{ADV}(?:taken\s+up|picked\s+up|started|begun))\s+"
    rf"(?P<val>(?:[a-z]+ing)(?:\s+(?!(?:{_TOOK_UP_STOP})\b)(?!{_SPAN})[a-z]+){{0,3}}|yoga|pilates|karate|judo|"
    rf"crossfit|ballet|meditation|photography|pottery|gymnastics|knitting|the\s+(?!(?:{_NOT_A_THING})\b)[a-z]+)(?=$|[\s,.!;])"
)
def took_up(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = re.sub(rf"^(?:have|has)\s+(?:(?:{ADV_WORDS})\s+)*", "", m.group("verb"))
    verb = {"taken up": "took up", "picked up": "picked up", "begun": "began"}.get(verb, verb)
    if m.group("val").startswith("learning") and verb in ("started", "began"):
        # "I started learning to play the guitar": what is being learned is the memory.
        what = learning_value(m.string[m.start("val") + len("learning"):], cl)
        if not what:
            return []  # "just started learning": learning what, it does not say
        out = _f(cl, "learning", what, _learning_tags(what))
        t = when(cl, "past")
        return out + _f(cl, "event", dated(f"{verb} learning {what}", t), ("event", "learning")) if t else out
    lm = _TAKING_LESSONS.match(m.group("val"))
    if lm and verb in ("started", "began"):
        # "I started taking guitar lessons last week": learning the guitar.
        what = lm.group("what")
        out = _f(cl, "learning", what, _learning_tags(what))
        t = when(cl, "past")
        return out + _f(cl, "event", dated(f"{verb} {clean_value(m.group('val'), max_words=6)}", t), ("event", "learning")) if t else out
    v = clean_value(m.group("val"), max_words=5)
    if not v or v.split()[0] in ("thinking", "feeling", "getting", "going", "doing", "trying", "wondering", "working",
                                 "transitioning", "dating", "seeing", "taking", "using", "having", "living", "struggling",
                                 "recovering", "healing", "looking", "caring", "feeling", "realizing", "noticing",
                                 "questioning", "coming", "talking", "planning", "considering", "eating", "drinking",
                                 "smoking", "sleeping", "waking", "wearing", "taking", "sharing", "feeling"):
        return None
    out = _f(cl, "hobbies", v, ("hobby",))
    t = when(cl, "past")
    if t:
        out += _f(cl, "event", dated(f"{verb} {v}", t), ("event", "hobby"))
    return out


# "learning to play the guitar" is learning the guitar; "learning to speak Greek" is Greek.
_LEARN_STRIP = re.compile(r"^\s*(?:how\s+)?(?:to\s+)?(?:(?:play|speak)\s+(?:the\s+)?)?")
_LEARN_VERB = re.compile(r"^to\s+(?:how\s+)?(?P<verb>[a-z]+)\b")


def learning_value(raw: str, cl: Clause) -> str | None:
    """What someone is learning, from the words after 'learning': a language, an instrument,
    a skill as a gerund ('to drive' -> 'driving') or a subject."""
    text = raw.strip()
    if re.match(r"(?:a\s+(?:ton|lot|bunch|bit|little)|tons|lots|loads|heaps|so\s+much|so\s+many|more|a\s+great\s+deal|every\s+day|as\s+I)\b", text, re.I):
        return None  # "I'm learning a ton": how much, not what
    text = re.sub(r"^how\s+", "", text)
    vm = _LEARN_VERB.match(text)
    if vm and vm.group("verb") not in ("play", "speak"):
        verb = vm.group("verb")
        if verb in VAGUE_VERBS or verb in ("be", "do", "live", "love", "accept", "let", "deal", "cope", "trust"):
            return None
        text = gerund(verb) + text[vm.end():]
    else:
        text = _LEARN_STRIP.sub("", text)
    v = value_of(text, cl, max_words=6)
    if not v:
        return None
    v = re.sub(r"^(?:the|a|an|some|more|new)\s+", "", v)
    v = re.sub(r"\s+(?:for|with|from|at|on|in)\s+.*$", "", v)
    if not v or v.split()[0].lower() in ("a", "so", "that", "more", "lots", "from", "about", "it", "things", "stuff"):
        return None
    return v


def _learning_tags(what: str) -> tuple[str, ...]:
    return ("language", "learning") if what in lex.LANGUAGES else ("learning",)


@rule(
    rf"(?:(?:am|is|are)\s+{ADV}(?:learning|trying\s+to\s+learn|teaching\s+(?:myself|himself|herself|themselves))"
    rf"|(?:am|is|are)\s+{ADV}(?:starting|beginning)\s+to\s+learn"
    rf"|{HAVE}\s+{ADV}been\s+{ADV}learning(?=\s+(?:{LANG_ALT})\b))\s+(?P<val>[^;!?]+)"
)
def learning(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = learning_value(m.group("val"), cl)
    if not v:
        return None
    return _f(cl, "learning", v, _learning_tags(v))


@rule(
    rf"(?:(?:am|is|are)\s+(?:not\s+learning\s+(?P<v1>[^,.;!?]+?)\s+{NO_MORE}|no\s+longer\s+learning\s+(?P<v2>[^,.;!?]+))"
    rf"|(?:stopped|quit|gave\s+up(?:\s+on)?)\s+learning\s+(?P<v3>[^,.;!?]+))"
)
def learning_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = learning_value(m.group("v1") or m.group("v2") or m.group("v3"), cl)
    return _f(cl, "learning", v, _learning_tags(v), negated=True) if v else None


@rule(
    rf"(?:am|is|are)\s+{ADV}taking\s+(?:(?:a|an|some|my|weekly|private|online|evening|night)\s+)*"
    rf"(?P<what>(?!a\b|an\b|the\b|care\b)[A-Za-z][\w-]*(?:\s+(?!lessons?\b|class(?:es)?\b|courses?\b)[A-Za-z][\w-]*)?)\s+"
    rf"(?:lessons?|class(?:es)?|courses?)\b"
)
def taking_lessons(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I'm taking Spanish lessons", "I'm taking a pottery class": learning Spanish, pottery.
    sub = re.match(r"\s+(?:in|on)\s+(?P<sub>(?!the\b|a\b|an\b|my\b)[A-Za-z][\w-]*(?:\s+(?!and\b|but\b|at\b|for\b|with\b|to\b)[A-Za-z][\w-]*){0,2})", m.string[m.end():])
    if sub and m.group("what").lower() in ("online", "night", "evening", "weekly", "free", "intro", "introductory", "short", "new", "university", "college", "crash"):
        # "an online course in data science"
        what = value_of(sub.group("sub"), cl, max_words=3)
        return _f(cl, "learning", what, _learning_tags(what)) if what else None
    what = clean_value(m.group("what"), max_words=3)
    if not what or what.lower() in ("online", "night", "evening", "weekly", "more", "extra", "few", "couple", "my", "new"):
        return None
    return _f(cl, "learning", what, _learning_tags(what))
