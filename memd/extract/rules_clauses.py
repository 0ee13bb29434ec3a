"""Sentences into clauses: who each clause is about (statements about "my X" are read whole by
rules_statements.py, mentions of people by rules_mentions.py).

A sentence is cut into clauses at punctuation and conjunctions. A clause is kept only when it
opens with a subject the rules understand:

    I / we / "my husband and I"          the speaker
    my sister (Anna), Anna, my sister,   a relative of the speaker, named or not
    my dog (Max)                         a pet
    he / she                             a pronoun, resolved later by the backend
    Anna                                 a name already known in the conversation
    (nothing) "Lost my job yesterday"    chat drops the subject: the speaker

and its predicate is handed to the rules of memd/extract/patterns/.
"""

from __future__ import annotations

import re
from functools import lru_cache

from memd.extract import rules_lexicon as lex
from memd.extract import rules_doings, rules_feelings, rules_intents, rules_interests  # noqa: F401  (they register predicate rules)
from memd.extract import rules_persona  # noqa: F401  (registers its predicate rules)
from memd.extract.rules_labels import labelled_facts  # noqa: F401  (rules.py imports it from here)
from memd.extract.rules_photos import photo_statement
from memd.extract.rules_statements import statement_facts
from memd.extract.patterns.fragments import MARKERS
from memd.extract.rules_mentions import mention_facts, mentions_in  # noqa: F401  (re-exported)
from memd.extract.patterns import (
    EVENT_VERBS,
    JOB,
    NAME,
    REL_ALL,
    REL_MODS,
    SELF,
    SPECIES_ALL,
    Clause,
    Env,
    Mention,
    SentenceResult,
    Subject,
    match_predicate,
    valid_name,
)
from memd.extract.rules_text import (
    declarative_part,
    normalise,
    snake,
    split_sentences,
)

# --------------------------------------------------------------------------- clause splitting

_BOUNDARY = re.compile(
    r"(?:[,;:]\s*|\s+-+\s+|(?<=\w)--+(?=\w)|\s*[\u2013\u2014]\s*|\.\.\.\s*|\s+(?:and|but|so|because|since|though|although|while|as|then|plus|"
    r"yet|or|that|now|after|before|once|until|till|where|when|whereas|who)\s+|\s+(?=(?:I|we|We)\s))",
)
_HYPOTHETICAL_BEFORE = re.compile(
    r"(?:\b(?:if|unless|whether|in\s+case|as\s+if|as\s+though|suppose|supposing|imagine|pretend|"
    r"what\s+if|wish|wonder|even\s+if|assuming|maybe|like|feel\s+like)\s*)$",
    re.I,
)
# "Write a story where I'm a detective": what follows is the story's, not the speaker's.
_FICTION_BEFORE = re.compile(
    r"\b(?:story|stories|poem|song|scene|script|tale|fanfic|fan\s+fiction|novel|game|roleplay|role-play|scenario|"
    r"dream|world|universe|fantasy|movie|film|episode|sketch|skit|limerick|rap|play|simulation)\s+"
    r"(?:where|in\s+which|about\s+how)\s*$",
    re.I,
)
# "They remind me of what I've achieved and how far I've come": a clause after "what" or "how far"
# is the object of another verb (a thing, a degree), not a statement of its own.
_NOMINAL_BEFORE = re.compile(r"\b(?:what|whatever|how\s+(?:far|many|long))\s*$", re.I)
_FICTION_CUE = re.compile(r"\b(?:where|which|how)\s", re.I)
_ME = re.compile(r"\bme\b")
_HYPOTHETICAL_SENTENCE = re.compile(
    r"^(?:(?:so|and|but|well|oh|also)[,]?\s+)*(?:if|unless|suppose|supposing|imagine|what\s+if|"
    r"in\s+case|assuming|pretend|let'?s\s+say|hypothetically|"
    # "In the story, I live in Paris", "In my dream I was a singer": a made-up world.
    r"in\s+(?:the|my|a|this|that|our|your|his|her)\s+(?:(?:last|new|latest|recurring|weird|favorite)\s+)?"
    r"(?:story|stories|dream|dreams|novel|book|game|movie|film|show|roleplay|role-play|simulation|scenario|fantasy|"
    r"fanfic|script|poem|song|video\s+game|alternate\s+universe|world|universe))\b",
    re.I,
)
_REL_SUBJ = re.compile(
    rf"(?:[Mm]y|[Oo]ur)\s+{REL_MODS}(?P<rel>{REL_ALL})\b(?!')(?:\s*,?\s+(?P<name>{NAME})\b(?!'))?\s*,?\s*"
    # "my sister and her husband live in Boston": what follows is true of the sister too.
    rf"(?P<and>and\s+(?:his|her|their|my)\s+{REL_MODS}(?:{REL_ALL})\s+)?"
)
_PET_SUBJ = re.compile(
    rf"(?:[Mm]y|[Oo]ur)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})\b(?!')(?:\s*,?\s+(?P<name>{NAME})\b(?!'))?\s*,?\s*"
)
_NAME_REL_SUBJ = re.compile(rf"(?P<name>{NAME}),\s+my\s+{REL_MODS}(?P<rel>{REL_ALL}),\s*")
_PLURAL_SUBJ = re.compile(
    rf"(?:(?:[Mm]y\s+{REL_MODS}(?:{REL_ALL})|(?P<cname>{NAME}))\s+and\s+I|[Mm]e\s+and\s+my\s+\w+|[Ww]e)\b\s*"
)
_SELF_SUBJ = re.compile(r"I\b(?!')\s*")
_CAP_REL_SUBJ = re.compile(r"(?P<cap>Mom|Mum|Dad|Grandma|Grandpa|Granny|Nana)\b(?!')\s*")
_PRON_SUBJ = re.compile(r"(?P<pron>[Hh]e|[Ss]he)\b\s*")
_NAME_SUBJ = re.compile(rf"(?P<name>{NAME})\b(?!')\s*")
_DROP_START = re.compile(
    rf"(?:just\s+)?(?:{EVENT_VERBS}|can\s*not\s+wait|finishing|working|heading|starting|planning|looking\s+for|"
    rf"researching|searching|volunteering|training|preparing|saving|organizing|learning|"
    # "Been tweaking a dessert recipe", "Been rehearsing hard": any -ing after "been" (the activity rule
    # then refuses the ones that name no pursuit: "been thinking", "been doing it").
    rf"been\s+[a-z]{{3,}}ing)\b",
    re.I,
)

# "Not much, just ...", "Nothing new, finished ...": a short answer before a statement whose
# subject chat drops.
_SHORT_ANSWER = re.compile(
    r"(?:not\s+much|nothing\s+(?:much|new)|same\s+old|busy|pretty\s+good|all\s+good|good|great|not\s+bad|"
    r"yeah|yes|yep|well)[,.!]?\s+(?P<rest>)(?:(?:just|also|finally|recently)\s+)?",
    re.I,
)

# Bounds that keep a pathological message (a pasted log, "I I I I ...") linear: real clauses
# are short, and the words that matter before a clause ("if", "last week") are close to it.
MAX_SENTENCE_CHARS = 1200
MAX_CLAUSE_STARTS = 24
_LOOKBACK = 80


def _subject_at(text: str, pos: int, env: Env) -> tuple[Subject, int] | None:
    """The subject that opens a clause at `pos`, and where its predicate starts."""
    m = MARKERS.match(text, pos)
    p = m.end() if m else pos
    sm = _PLURAL_SUBJ.match(text, p)
    if sm:
        return Subject("self", plural=True, companion=valid_name(sm.group("cname"))), sm.end()
    sm = _SELF_SUBJ.match(text, p)
    if sm:
        return SELF, sm.end()
    sm = _REL_SUBJ.match(text, p)
    if sm:
        word = sm.group("rel").lower()
        rel = lex.RELATIONS.get(word) or lex.RELATION_PLURALS.get(word)
        name = valid_name(sm.group("name"))
        end = sm.end()
        if sm.group("name") and not name:
            end = sm.start("name")
        plural = word in lex.RELATION_PLURALS or bool(sm.group("and"))
        if name:
            return Subject("person", name, rel, plural=plural), end
        return Subject("relative", None, rel, plural=plural), end
    sm = _PET_SUBJ.match(text, p)
    if sm:
        name = valid_name(sm.group("name"))
        word = re.sub(r"\s+", " ", sm.group("sp").lower())
        if name:
            return Subject("person", name, "pet"), sm.end()
        plural = word in lex.SPECIES_PLURALS
        # "my golden retriever" is the dog: keys are written per species ("dog_age").
        word = lex.BREEDS.get(word) or (lex.SPECIES_PLURALS[word] + "s" if word in lex.BREEDS_PLURAL else word)
        return Subject("relative", None, snake(word), plural=plural), sm.end()
    sm = _NAME_REL_SUBJ.match(text, p)
    if sm and valid_name(sm.group("name")):
        rel = lex.RELATIONS.get(sm.group("rel").lower()) or lex.RELATION_PLURALS.get(sm.group("rel").lower())
        return Subject("person", valid_name(sm.group("name")), rel), sm.end()
    sm = _CAP_REL_SUBJ.match(text, p)
    if sm:
        return Subject("relative", None, lex.RELATIONS[sm.group("cap").lower()]), sm.end()
    sm = _PRON_SUBJ.match(text, p)
    if sm:
        return Subject("pronoun", pronoun=sm.group("pron").lower()), sm.end()
    sm = _NAME_SUBJ.match(text, p)
    if sm:
        name = valid_name(sm.group("name"))
        if name and (name in env.known_names or name.split()[0] in env.known_names
                     or _THIRD_PERSON_PREDICATE.match(text, sm.end())):
            return Subject("person", name), sm.end()
    return None


# A name nobody mentioned before is still a person when what follows can only be said of one:
# "Jonas works as an architect", "Rocco turned 5", "Aisha got engaged to Karim".
_THIRD_PERSON_PREDICATE = re.compile(
    r"(?:just\s+|recently\s+|finally\s+|now\s+|still\s+)?(?:works\s+(?:as|at|for)|worked\s+(?:as|at|for)|lives\s+in|"
    r"moved\s+(?:to|from|back)|turned\s+\d|got\s+(?:engaged|married|divorced|promoted|hired|a\s+job)|"
    r"is\s+(?:now\s+)?(?:engaged|married|pregnant|\d{1,3}\b)|quit\s+[A-Z]|joined\s+[A-Z]|retired\b|"
    r"started\s+(?:working|a\s+new\s+job|at\s+[A-Z])|graduated\b|studies\s+|teaches\s+|"
    r"(?:has|had)\s+(?:a\s+)?(?:baby|son|daughter|twins))"
)


_BEFORE_WHO = re.compile(rf"(?P<name>{NAME}),?\s+$")


def _relative_clause_subject(sentence: str, pos: int, mentions: tuple[Mention, ...]) -> tuple[Subject, int] | None:
    """'a sister named Clara who lives in Vienna': the clause after 'who' is about Clara."""
    if not mentions:
        return None
    head = sentence[max(0, pos - 80):pos]
    if sentence.startswith("who ", pos):
        start = pos + 4
    elif head.endswith("who "):
        head, start = head[:-4], pos
    else:
        return None
    m = _BEFORE_WHO.search(head)
    if not m:
        return None
    for mt in mentions:
        if mt.name == m.group("name"):
            return Subject("person", mt.name, mt.relation), start
    return None


def clauses_of(sentence: str, env: Env, mentions: tuple[Mention, ...] = ()) -> list[Clause]:
    """The clauses of a declarative sentence that open with a subject the rules understand."""
    if _HYPOTHETICAL_SENTENCE.match(sentence):
        return []
    starts = [0] + [m.end() for m in _BOUNDARY.finditer(sentence)][:MAX_CLAUSE_STARTS]
    fiction = ("where" in sentence or "which" in sentence or "how" in sentence) and _FICTION_CUE.search(sentence) is not None
    found: list[tuple[int, Subject, int]] = []
    for pos in sorted(set(starts)):
        if pos >= len(sentence):
            continue
        if pos and (_HYPOTHETICAL_BEFORE.search(sentence, max(0, pos - _LOOKBACK), pos)
                    or fiction and _FICTION_BEFORE.search(sentence, max(0, pos - _LOOKBACK), pos)
                    or _NOMINAL_BEFORE.search(sentence, max(0, pos - _LOOKBACK), pos)):
            continue
        if found and pos < found[-1][2]:
            continue  # inside the subject just found ("My sister, Anna, ...")
        hit = _subject_at(sentence, pos, env) or _relative_clause_subject(sentence, pos, mentions)
        if hit:
            found.append((pos, hit[0], hit[1]))
    dropped = False
    if not found or found[0][0] != 0:
        # Chat drops the subject: "Lost my job yesterday", "Finishing up a painting", and after a
        # short answer: "Not much, just finished a 5k race yesterday".
        m = MARKERS.match(sentence)
        p = m.end() if m else 0
        if _DROP_START.match(sentence, p) and sentence[p:p + 1].isupper() and (not found or found[0][0] > p):
            found.insert(0, (0, SELF, p))
            dropped = True
        else:
            a = _SHORT_ANSWER.match(sentence)
            if a and _DROP_START.match(sentence, a.end()) and (not found or found[0][0] > a.end()):
                found.insert(0, (a.start("rest"), SELF, a.end()))
                dropped = True
    participles = _participle_starts(sentence, starts, found) if found and "ing " in sentence else set()
    if participles:
        found = sorted(found + [(pos, SELF, pos) for pos in participles], key=lambda x: x[0])
    out: list[Clause] = []
    for i, (pos, subj, pstart) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(sentence)
        pred = sentence[pstart:end].strip()
        if i == 0 and dropped:
            pred = pred[:1].lower() + pred[1:]
            if re.match(r"(?:just\s+)?been\s", pred):
                pred = "have " + pred  # "Been helping some friends ...": "I have been helping ..."
        if pos in participles:
            pred = "am " + pred  # "..., volunteering at a shelter": what the speaker is doing
        out.append(Clause(subj, pred, sentence[max(0, pos - _LOOKBACK):pos], env))
    return out


# "I'm doing my part too, volunteering at a homeless shelter", "I'm getting creative too, just
# learning the piano": after a comma, an -ing verb of doing with no subject of its own goes on
# with the speaker's clause before it. Only verbs that name a pursuit: "I saw him, running down
# the street" is about him.
_PARTICIPLE = re.compile(
    r"(?:(?:just|also|currently|now|still|even|mostly|slowly)\s+)?(?:learning|volunteering|studying|training|"
    r"practicing|practising|teaching|coaching|writing|building|recording|rehearsing|taking\s+(?:care\s+of|a\s+class|classes|lessons)|"
    r"caring\s+for|saving\s+(?:up\s+)?for|preparing\s+for|working\s+on|working\s+(?:at|as|for))\b"
)


_GERUND_SUBJECT = re.compile(r"\b(?:is|are|was|were|has|have|makes|made|helps|helped|can|will|would|seems|feels|keeps|"
                             r"must|should|could|might|sounds|looks)\b")


def _participle_starts(sentence: str, starts: list[int], found: list[tuple[int, Subject, int]]) -> set[int]:
    out: set[int] = set()
    taken = {f[0] for f in found}
    for pos in starts:
        if pos in taken or pos == 0 or sentence[pos - 2:pos] != ", " or not _PARTICIPLE.match(sentence, pos):
            continue
        nxt = min([x for x in starts if x > pos] + [len(sentence)])
        if _GERUND_SUBJECT.search(sentence, pos, nxt):
            continue  # "..., learning to cook is fun": the -ing phrase is a subject, not a doing
        before = [f for f in found if f[0] < pos]
        if before and before[-1][1] is SELF and not before[-1][1].plural:
            out.add(pos)
    return out


# --------------------------------------------------------------------------- entry points


# "As a nurse working nights, how can I sleep better?": a question, but it says who is asking.
_AS_A_JOB = re.compile(rf"^(?:(?:so|and|but|well|ok|okay|hi|hello|hey)[,!]?\s+)*[Aa]s\s+(?:a|an)\s+(?P<job>{JOB})(?:\s+[^,?]{{0,40}})?,\s+")


@lru_cache(maxsize=8192)
def analyse_sentence(sentence: str, env: Env, offset: int = 0) -> SentenceResult:
    """Facts and mentions of one normalised sentence. Cached: a turn is read again whenever it
    sits in the buffer, and results are never mutated by callers."""
    res = SentenceResult()
    decl = declarative_part(sentence[:MAX_SENTENCE_CHARS])
    m = _AS_A_JOB.match(sentence)
    if m:
        res.facts.extend(match_predicate(Clause(SELF, "am a " + m.group("job"), "", env)))
    if not decl:
        return res
    if _HYPOTHETICAL_SENTENCE.match(decl):
        return res
    res.mentions = list(mentions_in(decl, offset))
    known = env.known_names | {mt.name for mt in res.mentions if mt.name}
    env2 = Env(env.ref, env.strong, env.intro, frozenset(known))
    starts = [0] + [m.end() for m in _BOUNDARY.finditer(decl)][:MAX_CLAUSE_STARTS]
    # Every statement pattern names "my ...", "<name>'s ..." or "call me": skip the scan otherwise.
    low = decl.lower()
    scan = ("my " in low or "'s " in low or "call" in low or " way " in low
            or (" me" in low and _ME.search(low) is not None)
            or low.split(" ", 1)[0].endswith("ing"))  # "Adopting Luna was the best decision" (rules_values)
    fiction = ("where" in decl or "which" in decl or "how" in decl) and _FICTION_CUE.search(decl) is not None
    for pos in sorted(set(starts)) if scan else ():
        if pos and (_HYPOTHETICAL_BEFORE.search(decl, max(0, pos - _LOOKBACK), pos)
                    or fiction and _FICTION_BEFORE.search(decl, max(0, pos - _LOOKBACK), pos)):
            continue
        got = statement_facts(decl, pos, env2)
        if got:
            res.facts.extend(got)
    if low.startswith(("here is", "here are", "this is", "check out", "look at")):
        res.facts.extend(photo_statement(decl, env2))  # "Here's a photo of the cake I baked" (rules_photos.py)
    for cl in clauses_of(decl, env2, tuple(res.mentions)):
        res.facts.extend(match_predicate(cl))
    res.facts.extend(mention_facts(res.mentions))
    return res


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(split_sentences(normalise(text)))


def sentences_of(text: str) -> tuple[str, ...]:
    """Normalised sentences of a turn's text (cached: the same turn is seen in many windows)."""
    return _sentences(text)


@lru_cache(maxsize=4096)
def turn_mentions(text: str) -> tuple[Mention, ...]:
    """Every mention in a turn, positions counted across its sentences."""
    out: list[Mention] = []
    offset = 0
    for s in _sentences(text):
        decl = declarative_part(s[:MAX_SENTENCE_CHARS])
        if decl:
            out.extend(mentions_in(decl, offset))
        offset += len(s) + 1
    return tuple(out)
