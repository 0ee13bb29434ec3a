"""Sentences whose subject is the thing the speaker cares about, not the speaker.

    "Hiking and chess are my main hobbies."           hobbies: hiking, hobbies: chess
    "Family is super important to me."                values: family
    "My kids mean the world to me."                   values: my kids
    "Painting is a fun way for me to unwind."         likes: painting
    "Hiking is a great way to relax."                 (nothing: said of anyone, not of the speaker)
    "My turtles always cheer me up."                  pets: turtle
    "Cooking helps me de-stress."                     likes: cooking
    "Visiting castles is on my bucket list."          wishes: visiting castles
    "Playing games is my escape."                     likes: playing games
    "Joining a gym has been a game-changer."          event: joined a gym

People say what matters to them this way as often as with "I love X", and the clause reader
(rules_clauses.py) only knows sentences whose subject is a person. Each pattern here reads one
whole sentence from its start, and keeps the value only when it is a thing named in the
sentence: a pronoun ("it is important to me"), a generic word ("this is a great way to ...") or a
question gives nothing. Asked by rules_clauses.statement_facts.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns import SELF, SPECIES_ALL, Clause, Env, Fact, liked_items, object_value

# What a thing the speaker cares about cannot start with: pronouns, demonstratives, question words
# and the generic nouns a sentence uses when the thing was named in another sentence.
_NOT_A_THING = re.compile(
    r"(?:it|that|this|these|those|they|he|she|which|what|who|here|there|you|we|everything|something|anything|"
    r"nothing|all\s+of\s+(?:this|that|it)|both|each|one|stuff|things?|life|the\s+(?:thing|idea|point|key|goal|way))\b",
    re.I,
)
_GERUND_PHRASE = r"[A-Za-z][a-z]+ing(?:\s+(?!is\b|are\b|was\b|and\b)[\w'-]+){0,3}"
_THING = r"[A-Za-z][\w'-]*(?:\s+(?!is\b|are\b|was\b|were\b|means?\b|has\b|have\b)[\w'-]+){0,4}"

# "Hiking and chess are my main hobbies", "Photography is my passion".
_ARE_MY_HOBBIES = re.compile(
    rf"(?P<val>{_THING}(?:\s*(?:,|and|&)\s*{_THING}){{0,3}})\s+(?:is|are)\s+(?:also\s+|definitely\s+|really\s+)?"
    r"(?:one\s+of\s+)?my\s+(?:main\s+|biggest\s+|favorite\s+|two\s+|big\s+|true\s+)?(?P<what>hobbies|hobby|passions?)"
    r"(?=\s*(?:$|[,.!;]|\s+(?:now|these\s+days|right\s+now|too|as\s+well|outside\s+of\s+work)\b))"
)
# "Family is super important to me", "My kids mean the world to me".
_MATTERS_TO_ME = re.compile(
    rf"(?P<val>(?:[Mm]y\s+)?{_THING})\s+(?:(?:is|are)\s+(?:so\s+|super\s+|really\s+|very\s+|incredibly\s+|extremely\s+|"
    r"truly\s+|hugely\s+|always\s+|also\s+)*(?:important|precious|dear|everything)|(?:means?|meant)\s+"
    r"(?:so\s+much|a\s+lot|the\s+world|everything))\s+to\s+me\b"
)
# "Painting is a fun way to unwind", "Running is my way of clearing my head".
_WAY_TO = re.compile(
    rf"(?P<val>{_GERUND_PHRASE})(?:'s|\s+(?:is|has\s+been|was))\s+(?:(?:a|such\s+a|my)\s+)(?:(?:fun|great|good|nice|healthy|"
    r"awesome|amazing|perfect|creative|favorite|go-to|new)\s+)*way\s+(?:for\s+me\s+)?(?:to|of)\s+\w+"
)
# "Visiting castles is really on my bucket list", "Japan is at the top of my bucket list".
_BUCKET_LIST = re.compile(
    rf"(?P<val>{_GERUND_PHRASE}|{_THING})\s+(?:is|are)\s+(?:(?:really|definitely|also|still|high|firmly|so)\s+)*"
    r"(?:on|at\s+the\s+top\s+of|high\s+on)\s+my\s+bucket\s+list\b"
)
# "Playing games is my escape from life struggles", "Writing and creative projects are what get me
# through tough times": what the speaker turns to is something they like (only said of them: "my",
# "for me", "me"; "Art is such a source of joy" is said of anyone).
_MY_REFUGE = re.compile(
    rf"(?P<val>{_GERUND_PHRASE}|{_THING}(?:\s+and\s+{_THING})?)\s+(?:is|are|was|has\s+been|have\s+been)\s+"
    r"(?:always\s+|really\s+|also\s+|definitely\s+)*(?:(?:my|a|an|such\s+an?)\s+(?:(?:big|real|great|huge|true|little)\s+)?"
    r"(?P<what>escape|refuge|outlet|sanctuary|therapy|stress-buster|stress\s+reliever|happy\s+place|safe\s+haven|lifeline)"
    r"(?P<for>\s+for\s+me)?|what\s+gets?\s+me\s+through)\b"
)
_PERSONAL = re.compile(r"\b(?:my|me|myself|I)\b")

# "Cooking helps me de-stress", "Jazz has always helped me unwind", "Painting makes me so happy",
# "Dancing brings me such joy": a thing that does the speaker good is a thing they like. Only for
# the effects people seek (calm, joy, focus), not "helps me with my taxes"; joy only from a pursuit
# (an -ing word), not from a passing "coffee makes me happy".
_DOES_ME_GOOD = re.compile(
    rf"(?P<val>{_THING}|{_GERUND_PHRASE})\s+(?:(?:really|always|also|just|truly|definitely|honestly|usually|totally)\s+)*"
    r"(?:(?:helps?|helped|has\s+helped|have\s+helped|has\s+been\s+helping|have\s+been\s+helping)\s+me\s+(?:to\s+)?"
    r"(?:relax|unwind|de-?stress|destress|decompress|recharge|calm\s+down|stay\s+(?:calm|sane|grounded|focused|positive|motivated|balanced)|"
    r"find\s+(?:balance|peace|inner\s+peace|calm|my\s+(?:center|centre|balance|peace))|"
    r"cope|focus|sleep|clear\s+my\s+(?:head|mind)|express\s+myself|escape|feel\s+(?:better|calm|free|alive|grounded|at\s+peace))|"
    r"(?P<joy>(?:makes|made)\s+me\s+(?:so\s+|really\s+|very\s+|super\s+|incredibly\s+)?(?:happy|happier|calm|feel\s+(?:alive|free|calm|happy|at\s+peace|relaxed))|"
    r"(?:brings|brought|gives|gave)\s+me\s+(?:so\s+much\s+|such\s+|a\s+lot\s+of\s+|great\s+|real\s+|tons\s+of\s+)?(?:joy|peace|happiness|comfort|calm))|"
    r"(?:calms?|relax(?:es)?)\s+me(?:\s+down)?|keeps?\s+me\s+(?:grounded|sane|calm|centered|centred|balanced))\b"
)

# "Joining a fitness program has been a game-changer", "Adopting Luna was the best decision I ever
# made": the gerund subject is something the speaker did, the rest is how it turned out.
_DID_WAS_GOOD = re.compile(
    r"(?P<ger>[Jj]oining|[Ss]tarting|[Tt]aking\s+up|[Ss]witching\s+to|[Aa]dopting|[Mm]oving\s+to|[Ll]earning|[Bb]uying|"
    r"[Qq]uitting|[Ss]igning\s+up\s+for|[Gg]etting)\s+(?P<obj>(?:a|an|the|my|our)\s+[^,;!?]{2,60}?|[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,3}|[a-z]{3,}ing(?:\s+[a-z]+){0,2}?)\s+"
    r"(?:has\s+been|was|is|turned\s+out\s+to\s+be)\s+(?:(?:such|really|truly|honestly|definitely|absolutely)\s+)?"
    r"(?:a\s+(?:real\s+|total\s+|huge\s+|complete\s+)?(?:game-?changer|game\s+changer|life-?saver|blessing|turning\s+point)|"
    r"the\s+best\s+(?:decision|thing|choice|move)|(?:so\s+)?life-?changing|(?:so\s+)?worth\s+it)\b")
_PAST_OF = {"joining": "joined", "starting": "started", "taking up": "took up", "switching to": "switched to",
            "adopting": "adopted", "moving to": "moved to", "learning": "learned", "buying": "bought", "quitting": "quit",
            "signing up for": "signed up for", "getting": "got"}
_POINTS_OUT = re.compile(r"\b(?:it|them|they|this|that|these|those|him|her|you|your|to)\b", re.I)
_NOT_A_DOER = re.compile(r"(?:their|his|her|your|our|much|like|how|just|so|as|also|even|especially|only|which|what)\b", re.I)

# "My turtles always cheer me up", "My cat keeps me company": the speaker has the animal.
_MY_PET_DOES = re.compile(
    rf"[Mm]y\s+(?:(?:{lex.PET_MODIFIERS}|two|three|four|little|sweet|old|new)\s+)*(?P<sp>{SPECIES_ALL})\s+"
    r"(?:always\s+|really\s+|just\s+|usually\s+|totally\s+)?(?:cheers?|keeps?|makes?|helps?|brings?|loves?|gives?|"
    r"follows?|greets?|sleeps?|wakes?)\b"
)


# Sentence-initial words that are common nouns, written in lower case in a value ("Family is
# important to me" -> "family"); any other capitalised first word may be a name ("Liverpool").
_COMMON_FIRST = frozenset("""family friends friendship health music art faith honesty education nature travel
fitness sports football basketball soccer tennis yoga meditation work career kindness community freedom
independence dance food books reading writing cooking baking gardening photography painting running hiking
games gaming movies films fashion science math coding programming exercise sleep church religion jazz blues
rock pop classical poetry pottery chess walks meditation journaling prayer gardening""".split())


def _lower_first(v: str) -> str:
    first = v.split()[0]
    if first[:1].isupper() and first[1:].islower() and (first.lower().endswith("ing") or first.lower() in _COMMON_FIRST):
        return first.lower() + v[len(first):]
    return v


def _thing(raw: str, env: Env, max_words: int = 5) -> str | None:
    raw = raw.strip()
    if not raw or _NOT_A_THING.match(raw) or raw.endswith("?"):
        return None
    v = object_value(raw, Clause(SELF, raw, "", env), max_words=max_words)
    return _lower_first(v) if v else None


def value_statement(text: str, pos: int, env: Env) -> list[Fact] | None:
    """Facts from a sentence whose subject is a hobby, a value or a pet; None if none match."""
    sentence = text[pos:]
    if "?" in sentence.split(".")[0]:
        return None
    m = _ARE_MY_HOBBIES.match(text, pos)
    if m:
        v = _thing(m.group("val"), env, max_words=12)
        if not v:
            return []
        key = "hobbies" if m.group("what").startswith("hobb") else "likes"
        tags = ("hobby",) if key == "hobbies" else ("preference",)
        return [Fact(SELF, key, _lower_first(part), tags) for part in liked_items(v)]
    m = _MATTERS_TO_ME.match(text, pos)
    if m:
        if re.search(r"\b(?:your|his|her|their)\s+(?:[\w'-]+\s+){0,3}(?:and|or)\s*$", text[:pos], re.I):
            return None  # "your support and | encouragement mean a lot to me": someone else's, begun earlier
        if re.search(r"\s[-\u2013\u2014]+\s|\b(?:they|it|he|she|we|them)$", m.group("val")):
            return None  # "keeping them healthy and happy - they mean everything to me": the subject is "they"
        v = _thing(m.group("val"), env)
        return [Fact(SELF, "values", v, ("value",))] if v else []
    m = _MY_REFUGE.match(text, pos)
    if m and (m.group("what") is None or m.group("for") or re.search(r"\bmy\s+(?:(?:big|real|great|huge|true|little)\s+)?"
                                                                     + re.escape(m.group("what")), m.group(0))):
        if re.search(r"\b(?:and|or)\s*$", text[:pos]):
            return None  # the subject began before this conjunct
        v = _thing(m.group("val"), env, max_words=6)
        return [Fact(SELF, "likes", part, ("preference",)) for part in liked_items(v)] if v else []
    m = _BUCKET_LIST.match(text, pos)
    if m:
        v = _thing(m.group("val"), env, max_words=6)
        return [Fact(SELF, "wishes", v, ("wish",))] if v else []
    m = _WAY_TO.match(text, pos)
    if m:
        if not _PERSONAL.search(text, m.start()):
            # "Volunteering is a great way to meet people", "Hiking is a great way to relax": said of
            # anyone (often of what the other person does), not of the speaker; "a great way for me to
            # unwind", "my way of ...", "a way to express my creativity" are the speaker's own.
            return []
        v = _thing(m.group("val"), env, max_words=4)
        return [Fact(SELF, "likes", v, ("preference",))] if v else []
    m = _DID_WAS_GOOD.match(text, pos)
    if m:
        obj = m.group("obj").strip()
        if _POINTS_OUT.search(obj) or re.match(r"(?:the|a|an)\s+(?:way|idea|thing|time|chance|point|habit)\b", obj):
            return []
        v = object_value(obj, Clause(SELF, obj, "", env), max_words=7)
        if not v:
            return []
        ger = re.sub(r"\s+", " ", m.group("ger").lower())
        return [Fact(SELF, "event", f"{_PAST_OF[ger]} {v}", ("event",))]
    m = _DOES_ME_GOOD.match(text, pos)
    if m:
        if m.group("joy") and not m.group("val").split()[0].lower().endswith("ing"):
            return None  # "Coffee makes me happy": a passing remark; "Dancing makes me happy": a pursuit
        raw = m.group("val")
        if re.search(r"\b(?:and|or|of|to|with|than)\s*$", text[:pos]):
            return None  # "setting goals and | tracking my progress helps me": the doer began earlier
        if _NOT_A_DOER.match(raw) or _POINTS_OUT.search(raw):
            # "much like how jazz helps me", "their encouragement keeps me grounded", "glimpsing
            # that calms me", "quotes and strategies to help me": no thing named as the doer
            return None
        v = _thing(raw, env, max_words=5)
        if not v or v.lower().startswith(("my ", "our ", "the ")) and not v.lower().endswith("ing"):
            return [] if v is None else None  # "my family makes me happy": affection, not a liking
        if v.split()[0].lower().endswith("ing") and len(v.split()) > 1:
            return [Fact(SELF, "likes", v, ("preference",))]  # "giving people peace and awareness": one doing
        return [Fact(SELF, "likes", part, ("preference",)) for part in liked_items(v)]
    m = _MY_PET_DOES.match(text, pos)
    if m:
        sp = m.group("sp").lower()
        species = lex.SPECIES.get(sp) or lex.SPECIES_PLURALS.get(sp)
        return [Fact(SELF, "pets", species, ("pet",))] if species else []
    return None
