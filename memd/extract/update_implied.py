"""Changes a statement implies without saying "no longer" or "from X to Y".

    "Marine Biology has become my true calling"            passion: Marine Biology
    "Norwegian Salmon - truly my favorite fish"             favorite_fish: Norwegian Salmon
    "my new responsibilities as Sergeant"                   rank: Sergeant
    "my new role as Youth Development Director"             role: Youth Development Director
    "my PhD in Nanotechnology Engineering at MIT"           education: PhD in Nanotechnology ...
    "completing my OSHA 30-Hour Safety certification"       certification: OSHA 30-Hour Safety
    "receiving the 2023 Distinguished Safety Award"         award: 2023 Distinguished Safety Award
    "I've been enjoying the Mediterranean diet lately"      diet: Mediterranean
    "As a proud Ukrainian commander, ..."                   nationality: Ukrainian
    "I've been going by Alexander professionally now"       first_name: Alexander
    "my new role managing Riverside Sheep Farm"             manages: Riverside Sheep Farm
    "The Genesis Array has been running under my supervision ... new protocols"
                                                            supervises: Genesis Array

Said to a stranger, none of these is a fact to file under a new key: "my PhD in X" does not
say that X is the user's education line, only that if memory has one that says otherwise, this
is the newer word. So every fact here carries "only_if_key" (conventions.py): the apply step
(supersede.py, update_match.py) reads the memory and changes the one line it holds under this
key — or a key that means the same, in the file's own words (`Community Role` for role,
`Educational Background` for education, `Manages` for managing) — and writes nothing when
there is none, or more than one. Relations to things (`- **Manages**: [[x.md]]`) are only
changed when the sentence says something changed ("new", "previous", "switched", "compared
to"): "inspecting the pool today" is no sign that the user stopped inspecting the playground.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.conventions import AS_OF_PREFIX, ONLY_IF_KEY, UPDATE_TAG
from memd.extract.patterns import SELF, Env, Fact

# A proper name or title: capitalised words, with the small words names contain.
_CAP = r"[A-Z0-9][\w'’.&()/+-]*"
_SMALL = r"(?:of|and|for|in|on|the|de|da|du|del|la|le|a|e|y|von|van|der|&|-)"
_PROPER = rf"{_CAP}(?:\s+(?:{_SMALL}\s+)*{_CAP})*"
RANKS = frozenset("""private corporal sergeant lieutenant captain major colonel general admiral commander
commodore ensign cadet marshal brigadier""".split())
_DEGREE = (r"(?:Ph\.?\s?D\.?|M\.?S\.?c?\.?|M\.?A\.?|MBA|M\.?Eng\.?|B\.?S\.?c?\.?|B\.?A\.?|B\.?Eng\.?|"
           r"Bachelor'?s?(?:\s+degree)?|Master'?s?(?:\s+degree)?|Doctorate|Associate'?s?(?:\s+degree)?|"
           r"Diploma|(?:Master|Bachelor|Doctor)\s+of)")

# "my new role as Youth Development Director", "my new responsibilities as Sergeant" ("my role
# as safety lead" may be one more hat, not a new job: only a new role replaces the old).
_ROLE_AS = re.compile(
    r"\b[Mm]y\s+new\s+(?P<k>role|position|job|responsibilities|duties|post|title)\s+as\s+(?:(?:a|an|the)\s+)?"
    rf"(?P<v>{_PROPER}|[a-z]+(?:\s+[a-z]+){{0,3}}?(?=\s*[,.;!?-]|\s+(?:and|to|at|in|for|with|using|focusing|helping)\b))"
)
# "my MS in Aerospace Engineering from MIT", "my Master of Business Administration program".
_DEGREE_RX = re.compile(
    rf"\b(?i:my)\s+(?P<v>{_DEGREE}\s*(?:in\s+|of\s+)?{_PROPER}(?:\s+(?:from|at)\s+(?:the\s+)?{_PROPER})?)"
)
# "my OSHA 30-Hour Construction Safety certification", "my Flight Instructor Certificate".
_CERT = re.compile(
    rf"\b[Mm]y\s+(?:new\s+)?(?P<v>{_PROPER}?)\s*(?P<c>certification|certificate|training|license|licence|accreditation)\b"
    rf"|\b[Mm]y\s+(?:new\s+)?(?P<v2>{_PROPER}\s+(?:Certification|Certificate|License|Licence|Accreditation))\b"
)
# "Marine Biology has become my true calling", "..., which has become my primary field of specialization".
_BECOME = re.compile(
    r"\s*,?\s+(?:which\s+|that\s+|and\s+it\s+)?(?:has|have|'s)\s+(?:really\s+|now\s+|truly\s+)?become\s+"
    r"(?:my\s+(?:true\s+|real\s+|main\s+|primary\s+|new\s+|biggest\s+|greatest\s+)*(?P<k>calling|passion|focus|hobby|"
    r"field\s+of\s+(?:specialization|specialisation|expertise)|specialty|speciality|specialization|area\s+of\s+expertise)"
    r"|such\s+a\s+(?:[a-z]+\s+)?(?P<k2>passion|hobby)\s+of\s+mine)\b"
)
# "Norwegian Salmon - truly my favorite fish", "Paella, my favorite dish".
_FAVORITE = re.compile(
    rf"(?P<v>{_PROPER})\s*(?:[-–—,]|is|was|remains)\s*(?:(?:truly|definitely|still|easily|really|always|honestly|now|[a-z]+ly)\s+)?"
    r"(?:been\s+)?my\s+(?:all-time\s+)?(?:favorite|favourite)\s+(?P<k>[a-z]+)\b"
    # The favourite's noun ends there: not "Hey Nate, my favorite dairy-free treat is ...".
    r"(?=\s*$|\s*[,.;:!?)]|\s+(?:of\s+all|ever|these\s+days|now|right\s+now|by\s+far|and|to|for|in)\b)"
)
_GREETING = re.compile(r"(?:Hey|Hi|Hello|Thanks|Thank|Oh|Well|Yes|Yeah|So|Honestly|Actually)\b")
_DIET = re.compile(
    r"\b(?:[Ee]njoying|[Ff]ollowing|[Ee]ating|(?:been|am|now)\s+on|switched\s+to|adopted|started|trying)\s+(?:the|a)\s+"
    r"(?P<v>[A-Z][a-z]+|vegan|vegetarian|pescatarian|keto|paleo|ketogenic|plant-based|gluten-free|low-carb)\s+diet\b"
)
# "As a proud Ukrainian commander, ..." ("As a French teacher" teaches French: only pride or
# citizenship says where one belongs).
_AS_A = re.compile(r"\bAs\s+an?\s+(?:proud\s+(?P<v>[A-Z][a-z]+)\s+(?:[a-z]+\s+)?[a-z]+|(?P<v2>[A-Z][a-z]+)\s+(?:citizen|national|native))\b")
_GOING_BY = re.compile(
    r"\bI(?:'ve|'m|\s+have|\s+am)?\s+(?:been\s+|now\s+|started\s+)?(?:going|go)\s+by\s+(?P<v>[A-Z][a-z]+)\b(?!\s+[A-Z])|\bmy\s+full\s+(?:first\s+)?name,?\s+(?P<v2>[A-Z][a-z]+)\b(?!\s+[A-Z])"
    r"|\bmy\s+new\s+(?:married\s+|last\s+)?(?:name|surname),?\s+(?P<full>[A-Z][a-z]+\s+[A-Z][\w'’-]+)\b"
)
_AWARD = re.compile(
    r"\b(?i:receiving|received|winning|won|earning|earned|awarded)\s+(?:the\s+|my\s+|an?\s+)?"
    rf"(?P<v>(?:\d{{4}}\s+)?{_CAP}(?:\s+(?:{_SMALL}\s+)*{_CAP})*\s+(?:Award|Medal|Prize|Trophy))\b"
)
# "These days my focus is machine learning", "my main focus these days is X".
_FOCUS = re.compile(
    r"\b(?:(?:[Tt]hese\s+days|[Nn]owadays|[Ll]ately|[Nn]ow),?\s+)?[Mm]y\s+(?:main\s+|real\s+|new\s+|primary\s+)?"
    r"(?P<k>focus|passion|priority)\s+(?P<when>(?:these\s+days|nowadays|now)\s+)?is\s+(?:on\s+)?"
    r"(?P<v>[A-Za-z][\w'’-]*(?:\s+[\w'’-]+){0,4}?)(?=\s*[,;.!?]|\s*$|\s+(?:and|but|because|since|now)\b)"
)
_KNOWLEDGE = re.compile(
    rf"\b[Mm]y\s+(?:work|knowledge|expertise|background)\s+in\s+(?P<v>{_CAP}(?:\s+(?:and\s+)?{_CAP})+)"
)
# Relations to things, read from the verb: "managing Riverside Sheep Farm", "preparing meals for
# The Silver Compass", "my exercise sessions in the Columbus Laboratory".
_VERB_OBJ = re.compile(
    rf"\b(?P<verb>[a-z]+(?:-[a-z]+)?ing)\s+(?:(?P<noun>[a-z]+)\s+(?P<prep>for|to|with|in|at|on)\s+)?(?:the\s+|my\s+|our\s+)?(?P<v>{_PROPER})"
    rf"|\b[Mm]y\s+(?P<noun2>[a-z]+)\s+(?:sessions?|routines?|work|duties)\s+(?P<prep2>in|at|on|with|for)\s+(?:the\s+)?(?P<v2>{_PROPER})"
)
_UNDER_MY = re.compile(
    rf"^(?:The\s+)?(?P<v>{_PROPER})\s+(?:has\s+been|have\s+been|is|are|was)\b[^,;.!?]*?\bunder\s+my\s+"
    r"(?P<noun>supervision|maintenance|management|care|command|leadership|direction|oversight)\b"
)
_UNDER_MY_MID = re.compile(
    rf"\b(?:the\s+)?(?P<v>{_PROPER})\s+(?:(?:operations|systems?|team|crew|project)\s+)?under\s+my\s+"
    r"(?P<noun>supervision|maintenance|management|care|command|leadership|direction|oversight)\b"
)
# "spending all my free time doing urban sketching": what the user's free time goes to is a hobby.
_FREE_TIME = re.compile(
    r"\bspend(?:ing|s)?\s+(?:all|most|much|a\s+lot)\s+(?:of\s+)?my\s+(?:free|spare)\s+time\s+(?:doing|with\s+my)\s+"
    r"(?!(?:the|a|an|my|our|some|it|this|that)\b)(?P<v>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?)(?=\s+(?:setup|lately|recently|these|this|and|because|as|since|now)\b|\s*[,;.!?-]|\s*$)"
)
# "my time at the International Maritime University": a school memory's education line names.
_SCHOOL_TIME = re.compile(
    rf"\b[Mm]y\s+(?:time|years|studies|days|training)\s+at\s+(?:the\s+)?(?P<v>{_PROPER})"
)
_SCHOOL_HEADS = re.compile(r"\b(?:University|Academy|College|School|Institute|Conservatory|Polytechnic|Cordon\s+Bleu)\b")
_NOUN_VERB = {"supervision": "supervises", "maintenance": "maintains", "management": "manages", "care": "cares_for",
              "command": "commands", "leadership": "leads", "direction": "directs", "oversight": "oversees",
              "exercise": "exercises_in", "workout": "exercises_in"}
_NEW_ROLE_AT = re.compile(rf"\b[Mm]y\s+new\s+(?:role|position|job|post)\s+(?:at|with)\s+(?:the\s+)?(?P<v>{_PROPER})")
# Something changed: without one of these, a sentence about a thing is no reason to replace another.
_CHANGED = re.compile(
    r"\b(?:new|newly|previous|previously|former|switch|switched|switching|since\s+(?:making|switching|taking|getting|"
    r"starting|moving|(?:we|I)\s+(?:started|began))|(?:started|began|begun)\s+[a-z-]+ing|used\s+to|compared\s+to|than\s+(?:what|my|our|the)\s+(?:[a-z]+\s+){0,3}?(?:before|previous|old|older|"
    r"used)|instead|transition|transitioned|taking\s+over|took\s+over|reassigned|transferred)\b",
    re.I)
_NEGATED = re.compile(r"\b(?:not|no\s+longer|never|n't|stopped|quit|without)\s+(?:[a-z]+\s+)?$", re.I)
_NOT_VERBS = frozenset("""being having getting going doing making taking thinking looking feeling seeing saying
during something nothing anything everything morning evening bring thing king spring string interesting
amazing exciting incredible""".split())
_BAD_VALUES = frozenset("i me my we our you it this that they he she there here".split())


def _trim(v: str | None) -> str | None:
    if not v:
        return None
    v = re.sub(r"\s+(?:of|and|for|in|on|the|de|da|du|la|le|&|-)$", "", v.strip(" .,;:-–—'\"")).strip()
    if not v or len(v) > 80 or v.lower() in _BAD_VALUES or len(v.split()) > 9:
        return None
    return v


def _fact(key: str, value: str | None, env: Env, topic: str) -> Fact | None:
    value = _trim(value)
    if not value:
        return None
    tags = [topic, UPDATE_TAG, ONLY_IF_KEY]
    if env.ref:
        tags.append(AS_OF_PREFIX + env.ref.isoformat())
    return Fact(SELF, key, value, tuple(tags))


def _np_before(text: str) -> str | None:
    """The noun phrase a clause ends with: "I've been diving, as Marine Biology" -> Marine Biology."""
    text = re.split(r"[-–—]\s|\b(?:as|since|because|and|but|so|that|which|when|while|now)\b", text)[-1].strip()
    text = re.sub(r"^(?:[A-Za-z]+ly\s+)+", "", text)  # "Lately ceramics" -> ceramics
    text = re.sub(r"^(?:the|a|an|my|our|this|that)\s+", "", text, flags=re.I)
    words = text.split()
    if len(words) > 5:
        # "... our understanding of Quantum Propulsion Systems": the name the clause ends with.
        run = re.search(rf"(?:{_CAP}\s+(?:{_SMALL}\s+)*){{1,6}}{_CAP}$", text)
        return run.group(0) if run and not run.group(0).startswith(("I ", "I'")) else None
    if not words or words[0].lower() in _BAD_VALUES:
        return None
    if not text[:1].isupper() and any(w in ("i", "it", "this", "you", "we", "is", "was", "has", "have") for w in words):
        return None
    return text


# Every pattern here needs one of these words: most sentences are passed over with one look.
_TRIGGER = re.compile(
    r"\b(?:[Mm]y|become|favou?rite|diet|As\s+an?|by|award|medal|prize|trophy|received|receiving|won|winning|earned|"
    r"earning|under|new|newly|previous|previously|former|switch\w*|since|used|compared|than|instead|transition\w*|"
    r"taking|took|reassigned|transferred|started|began|begun)\b", re.I)


def implied_facts(sentence: str, env: Env) -> list[Fact]:
    """The changes `sentence` implies of keys memory may hold; [] when it implies none."""
    out: list[Fact] = []
    if not _TRIGGER.search(sentence):
        return out
    m = _ROLE_AS.search(sentence)
    if m:
        v = m.group("v")
        head = v.split()[0].lower()
        key = "rank" if head in RANKS and len(v.split()) == 1 else "role"
        f = _fact(key, v, env, "work")
        out += [f] if f else []
    m = _DEGREE_RX.search(sentence)
    if m:
        f = _fact("education", re.sub(r"\s+(?:program|programme|degree|studies)$", "", m.group("v")), env, "education")
        out += [f] if f else []
    m = _CERT.search(sentence)
    if m and not out:
        v = m.group("v2") or m.group("v")
        f = _fact("certification", v, env, "education") if v else None
        out += [f] if f else []
    m = _BECOME.search(sentence) if "become" in sentence else None  # the pattern looks back: only where it can match
    if m:
        k = m.group("k") or m.group("k2")
        key = {"calling": "passion", "area of expertise": "expertise"}.get(k, k)
        if "field" in key or key.startswith("special"):
            key = "specialization"
        pre = re.split(r"[,;:!?]", sentence[:m.start()])[-1]  # the clause before "has become"
        f = _fact(key.replace(" ", "_"), _np_before(pre), env, "preference")
        out += [f] if f else []
    for m in _FAVORITE.finditer(sentence):
        if _GREETING.match(m.group("v")):
            continue
        f = _fact("favorite_" + m.group("k"), m.group("v"), env, "favorite")
        out += [f] if f else []
    m = _DIET.search(sentence)
    if m:
        f = _fact("diet", m.group("v"), env, "diet")
        out += [f] if f else []
    m = _AS_A.search(sentence)
    if m and (m.group("v") or m.group("v2")) in lex.DEMONYMS:
        f = _fact("nationality", m.group("v") or m.group("v2"), env, "identity")
        out += [f] if f else []
    m = _GOING_BY.search(sentence)
    if m:
        if m.group("full"):
            f = _fact("last_name", m.group("full").split()[-1], env, "identity")
        else:
            f = _fact("first_name", m.group("v") or m.group("v2"), env, "identity")
        out += [f] if f else []
    m = _AWARD.search(sentence)
    if m:
        f = _fact("award", m.group("v"), env, "event")
        out += [f] if f else []
    m = _FOCUS.search(sentence)
    if m and (m.group("when") or re.search(r"(?i)\b(?:these\s+days|nowadays|lately|now)\b", m.group(0))):
        # Only "these days my focus is X" says it changed; "my focus is X" may be what it always was
        # and is the general rules' to read.
        f = _fact(m.group("k"), m.group("v"), env, "preference")
        out += [f] if f else []
    m = _FREE_TIME.search(sentence)
    if m:
        f = _fact("hobby", m.group("v"), env, "hobby")
        out += [f] if f else []
    m = _SCHOOL_TIME.search(sentence)
    if m and _SCHOOL_HEADS.search(m.group("v")) and not any(f.key == "education" for f in out):
        f = _fact("education", m.group("v"), env, "education")
        out += [f] if f else []
    m = _KNOWLEDGE.search(sentence)
    if m:
        f = _fact("expertise", m.group("v"), env, "work")
        out += [f] if f else []
    if _CHANGED.search(sentence):
        out += _relations(sentence, env)
    return out


def _relations(sentence: str, env: Env) -> list[Fact]:
    """A relation line's new object, read from the verb that names the relation."""
    from memd.extract.rules_updates import _verb_key

    out: list[Fact] = []
    for rx in (_UNDER_MY, _UNDER_MY_MID):
        m = rx.search(sentence)
        f = _fact(_NOUN_VERB[m.group("noun")], m.group("v"), env, "relation") if m else None
        if f and f.value.split()[0] not in ("I", "We"):
            return [f]
    m = _NEW_ROLE_AT.search(sentence)
    if m:
        f = _fact("works_at", m.group("v"), env, "work")
        return [f] if f else []
    for m in _VERB_OBJ.finditer(sentence):
        if _NEGATED.search(sentence[max(0, m.start() - 30):m.start()]):
            continue  # "I'm not dating Tom anymore" is no new relation
        if m.group("v2"):
            key = _NOUN_VERB.get(m.group("noun2"))
            v = m.group("v2")
        else:
            verb = m.group("verb")
            if verb in _NOT_VERBS:
                continue
            key = _verb_key(verb, None)
            v = m.group("v")
            if key and m.group("noun"):
                key = f"{key}_{m.group('noun')}_{m.group('prep')}"
        if not key or v.split()[0] in ("I", "I'm", "I've"):
            continue
        f = _fact(key, v, env, "relation")
        if f:
            out.append(f)
    return out[:1]  # one relation a sentence: two would be a guess between them
