"""Sentences into clauses: who each clause is about, statements about "my X", and mentions.

A sentence is cut into clauses at punctuation and conjunctions. A clause is kept only when it
opens with a subject the rules understand:

    I / we / "my husband and I"          the speaker
    my sister (Anna), Anna, my sister,   a relative of the speaker, named or not
    my dog (Max)                         a pet
    he / she                             a pronoun, resolved later by the backend
    Anna                                 a name already known in the conversation
    (nothing) "Lost my job yesterday"    chat drops the subject: the speaker

and its predicate is handed to the rules of memd/extract/patterns/. Sentences whose subject is an
attribute ("my favorite book is Dune", "my birthday is May 3", "call me Sam") are read here as
statements. Mentions ("my sister Anna", "Max, my dog") give the relationship lines and the
people "he" and "she" can refer to.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from memd.extract import rules_lexicon as lex
from memd.extract.rules_dates import best_time, birth_date_from_age, find_times
from memd.extract import rules_doings, rules_feelings, rules_intents, rules_interests  # noqa: F401  (they register predicate rules)
from memd.extract.rules_persona import persona_statement  # also registers its predicate rules
from memd.extract.rules_labels import labelled_facts  # noqa: F401  (rules.py imports it from here)
from memd.extract.rules_photos import photo_statement
from memd.extract.rules_values import value_statement
from memd.extract.patterns import (
    APPOINTMENTS,
    EVENT_VERBS,
    FOODS,
    JOB,
    LANG_ALT,
    LOC,
    NAME,
    REL_ALL,
    REL_MODS,
    SELF,
    SPECIES_ALL,
    Clause,
    Env,
    Fact,
    Mention,
    SentenceResult,
    Subject,
    clean_org,
    clean_place,
    dated,
    explicit_name,
    liked_items,
    match_predicate,
    object_value,
    split_list,
    valid_name,
    vp_value,
    when,
)
from memd.extract.rules_text import (
    clean_value,
    declarative_part,
    normalise,
    singular,
    snake,
    split_sentences,
)

# --------------------------------------------------------------------------- clause splitting

_MARKERS = re.compile(
    r"(?:(?:oh|well|yeah|yes|yep|so|and|but|also|plus|anyway|anyways|btw|by\s+the\s+way|actually|honestly|"
    r"guess\s+what|fun\s+fact|lol|haha|wow|hey|hi|hello|ok|okay|um|uh|then|now|luckily|unfortunately|"
    r"sadly|thankfully|fortunately|good\s+news|update|as\s+for\s+me|for\s+me|ps|p\.s\.|man|dude|"
    r"still|anyhow|alright|right|sure|true|totally|speaking\s+of\s+which|recently|lately|also|"
    r"(?:hey|hi|hello)\s+" + NAME + r"|"
    # A time or place phrase before the subject: "Last Sunday we ...", "At the retreat, I ...".
    r"(?:last|this|next|on|in|at|during|over|around|by|after|before|earlier|later)\s+(?:the\s+|this\s+|my\s+|a\s+)?"
    r"(?:[A-Za-z0-9'-]+\s+){0,2}?(?:[A-Za-z0-9'-]+),|"
    r"(?:last|this|next|on|earlier|yesterday|today|tonight|recently)\s+(?:(?:week|weekend|month|year|night|"
    r"morning|evening|afternoon|monday|tuesday|wednesday|thursday|friday|saturday|sunday|summer|"
    r"winter|spring|fall|time)\s+)?(?=(?:I|we|We|my|My)\s)"
    r")[,!:.]?\s+)*",
    re.I,
)
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
    m = _MARKERS.match(text, pos)
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
        m = _MARKERS.match(sentence)
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


# --------------------------------------------------------------------------- statements about "my X"

_FAV = re.compile(
    rf"(?:(?:[Oo]ne\s+of\s+)?(?P<owner>[Mm]y)|(?P<oname>{NAME})'s|[Mm]y\s+{REL_MODS}(?P<orel>{REL_ALL})'s)\s+"
    r"(?:(?:all-time|absolute|current|personal|top|very|biggest|new)\s+)*(?:favorite|favorites|favs|faves|top\s+pick)"
    r"(?:\s+(?P<cat>(?!is\b|are\b|was\b)[a-z][a-z-]*(?:\s+(?!is\b|are\b|was\b|has\b|would\b)[a-z][a-z-]*){0,2}))?\s+"
    r"(?:is|are|was|were|has\s+to\s+be|would\s+(?:have\s+to\s+)?be|of\s+all\s+time\s+is|right\s+now\s+is|at\s+the\s+moment\s+is)\s+"
    r"(?P<val>[^;!?]+)"
)
_IS_FAV = re.compile(
    r"(?P<val>[A-Za-z][^,;!?]{1,60}?)\s+(?:is|are|(?:was|were)(?=\s+one\s+of\s))\s+(?:definitely\s+|probably\s+|still\s+|also\s+|totally\s+|"
    r"by\s+far\s+|easily\s+|hands\s+down\s+|honestly\s+)?(?P<one>one\s+of\s+)?my\s+"
    r"(?:all-time\s+|absolute\s+|personal\s+|top\s+|biggest\s+|one\s+)?(?:favorite|favorites|favs|faves|top\s+pick|go-to|(?P<weak>weakness|"
    r"guilty\s+pleasure|obsession|jam|addiction|comfort\s+food|happy\s+place|kryptonite|thing(?=\s*(?:$|[,.!;]|\s+and\b|\s+too\b))|"
    r"(?:passion|life)(?=\s*(?:$|[,.!;]))))"
    r"(?:\s+(?P<cat>(?!for\b|to\b|and\b|because\b|since\b|of\b)[a-z][a-z-]*(?:\s+(?!for\b|to\b|and\b|because\b|of\b)[a-z][a-z-]*)?))?\b"
)
# "Pottery is a huge part of my life": something the speaker loves.
_PART_OF_LIFE = re.compile(
    r"(?P<val>[A-Za-z][^,;!?]{1,60}?)\s+(?:is|are|has\s+been|have\s+been|became|has\s+become)\s+(?:such\s+|really\s+|always\s+)?(?:a|an)\s+"
    r"(?:(?:big|huge|important|special|major|key|massive|central|essential)\s+)?part\s+of\s+my\s+(?:life|identity|routine|day)\b"
)
_NAME_IS = re.compile(
    rf"(?:[Mm]y\s+(?:(?:first|full|real|middle|last|nick)\s*)?(?P<kind>name|nickname)\s+is\s+|"
    rf"(?P<call>(?:please\s+|just\s+|you\s+can\s+|everyone\s+|people\s+|friends\s+)?[Cc]alls?\s+me\s+))(?P<name>{NAME})"
)
_BIRTHDAY = re.compile(
    rf"(?:(?P<owner>[Mm]y)|(?P<oname>{NAME})'s|[Mm]y\s+{REL_MODS}(?P<orel>{REL_ALL})'s)\s+birthday\s+(?:is|was|falls\s+on)\s+(?P<rest>[^;!?]+)"
)
# "It's my birthday today!", "Tomorrow is my son's birthday": the day is the birthday.
_BIRTHDAY_IS_TODAY = re.compile(
    rf"(?:[Ii]t\s+is|(?P<day>[Tt]oday|[Tt]omorrow)(?:'s|\s+is))\s+(?:(?P<owner>[Mm]y)|(?P<oname>{NAME})'s|[Mm]y\s+{REL_MODS}(?P<orel>{REL_ALL})'s)\s+"
    r"(?:(?P<nth>\d{1,3})(?:st|nd|rd|th)\s+)?birthday\b(?P<rest>[^;?]*)"
)
# "My daughter's wedding is in August", "My flight is on Friday": an engagement with a date.
_ENGAGEMENT_IS = re.compile(
    rf"(?:[Mm]y\s+{REL_MODS}(?P<orel>{REL_ALL})'s|(?P<oname>{NAME})'s|(?P<owner>[Mm]y))\s+(?P<what>(?:(?!is\b|are\b)[\w-]+\s+){{0,2}}?"
    rf"(?:{APPOINTMENTS})s?)\s+(?:is|are)\s+(?:(?:on|in|at|this|next|tomorrow|today|tonight|coming\s+up|soon|set\s+for|scheduled\s+for)\b)(?P<rest>[^;!?]*)"
)
_HOBBIES_ARE = re.compile(
    r"[Mm]y\s+(?:main\s+|favorite\s+|biggest\s+)?(?:hobbies|hobby|passions?|interests?)\s+(?:is|are|include|includes)\s+(?P<val>[^;!?]+)"
)
_NATIVE = re.compile(rf"[Mm]y\s+(?:native|first|mother)\s+(?:language|tongue)\s+is\s+(?P<lang>{LANG_ALT})")
_LANG_IS_MY = re.compile(rf"(?P<lang>{LANG_ALT})\s+is\s+my\s+(?P<which>native|first|mother|second|third)\s+(?:language|tongue)")
_GOAL_IS = re.compile(
    r"[Mm]y\s+(?:(?:big|biggest|main|ultimate|long-term|lifelong|new|current)\s+)?(?P<kind>dream|goal|plan|aim|ambition|hope)s?\s+"
    r"(?:is|are|was)\s+(?:to\s+)?(?P<val>[^;!?]+)"
)
_BUSINESS_OPEN = re.compile(
    r"[Mm]y\s+(?:(?:own|new|little|small|online|first)\s+)*(?P<biz>(?:[\w'-]+\s+){0,2}?(?:shop|store|business|company|"
    r"restaurant|cafe|bakery|blog|channel|podcast|studio|salon|bar|startup|brand|agency|boutique|Etsy\s+shop))\s+"
    r"(?:is|was)\s+(?:finally\s+|now\s+|officially\s+)?(?:open|opened|launched|live|up\s+and\s+running)\b"
)
_HOMETOWN = re.compile(rf"[Mm]y\s+(?:home\s*town|hometown)\s+is\s+(?P<loc>{LOC})")
# "My job title is Senior Engineer", "My employer is Siemens": the attribute said by its name.
_JOB_IS = re.compile(
    rf"[Mm]y\s+(?:current\s+|official\s+|new\s+|actual\s+)?(?:job\s+title|job|title|occupation|profession|position|role)\s+is\s+"
    rf"(?:(?:now|currently|officially)\s+)?(?:an?\s+|the\s+)?(?P<job>{JOB})(?:\s+(?:at|for|with)\s+"
    r"(?P<org>[A-Z][\w&'’.-]*(?:\s+(?:[A-Z][\w&'’.-]*|of|and|&|for|de))*))?"
    r"(?=\s*$|\s*[,.;!?]|\s+(?:at|for|in|with|and|but|since)\b)"
)
_EMPLOYER_IS = re.compile(
    r"[Mm]y\s+(?:current\s+|new\s+)?(?:employer|company|workplace|firm)\s+is\s+(?:(?:now|currently)\s+)?"
    r"(?P<org>(?:the\s+)?[A-Z][\w&'’.-]*(?:\s+(?:[A-Z][\w&'’.-]*|of|and|&|for|de))*)(?=\s*$|\s*[,.;!?]|\s+(?:in|and|but|since|now)\b)"
)
# "Gluten makes me sick", "Dairy upsets my stomach": a food that hurts the speaker.
_FOOD_HURTS = re.compile(
    rf"(?i:(?P<food>{FOODS}))(?:\s+products)?\s+(?:(?:always|really|just|usually|also|definitely)\s+)?"
    r"(?:(?:makes?|made)\s+me\s+(?:feel\s+)?(?:(?:so|really|very|super)\s+)?(?:sick|ill|bloated|nauseous|queasy|throw\s+up|break\s+out|itchy|gassy)"
    r"|(?:gives?|gave)\s+me\s+(?:(?:a|bad|terrible|awful|such\s+a)\s+)*(?:stomach\s*aches?|tummy\s+aches?|headaches?|migraines?|hives|rash|rashes|heartburn|gas|cramps|"
    r"bloating|diarrh(?:o)?ea|acne|eczema|indigestion|reflux|breakouts|the\s+runs)"
    r"|(?:upsets?|messes\s+(?:up|with)|mess\s+(?:up|with)|wrecks?|destroys?|bothers?|kills?)\s+my\s+(?:stomach|tummy|gut|digestion)"
    r"|(?:(?:does|do)\s+not|never)\s+(?:agree|sit\s+well)\s+with\s+me"
    r"|triggers?\s+my\s+(?:migraines?|IBS|eczema|asthma|reflux|acne|symptoms))\b"
)


def _owner_subject(m: re.Match[str], env: Env) -> Subject | None:
    if m.group("owner"):
        return SELF
    if m.group("orel"):
        word = m.group("orel").lower()
        return Subject("relative", None, lex.RELATIONS.get(word) or lex.RELATION_PLURALS.get(word))
    name = valid_name(m.group("oname"))
    if name and (name in env.known_names or name.split()[0] in env.known_names):
        return Subject("person", name)
    return None


def statement_facts(text: str, pos: int, env: Env) -> list[Fact] | None:
    """Sentences whose subject is an attribute ('my favorite book is Dune'); None if none match."""
    mk = _MARKERS.match(text, pos)
    p = mk.end() if mk else pos
    m = _NAME_IS.match(text, p)
    if m:
        name = valid_name(m.group("name"))
        key = "preferred_name" if m.group("kind") == "nickname" or m.group("call") else "user_name"
        return [Fact(SELF, key, name, ("identity",))] if name else []
    m = _FAV.match(text, p)
    if m:
        subj = _owner_subject(m, env)
        if subj is None:
            return []
        cl = Clause(subj, m.group("val"), "", env)
        v = object_value(m.group("val"), cl, max_words=8)
        cat = m.group("cat")
        key = "favorite_" + snake(singular(cat.split()[-1]) if cat and len(cat.split()) == 1 else cat) if cat else "favorites"
        if cat and cat.split()[0] in ("thing", "part", "way", "place", "moment", "memory", "time", "one", "thing to do"):
            key = "favorite_" + snake(cat)
        return [Fact(subj, key, v, ("preference", "favorite"))] if v else []
    m = _BIRTHDAY.match(text, p)
    if m:
        subj = _owner_subject(m, env)
        if subj is None:
            return []
        t = best_time(find_times(m.group("rest"), env.ref, "future"))
        if t is None or t.value is None or t.precision != "day":
            return []
        has_year = re.search(r"\b(?:19|20)\d\d\b", m.group("rest"))
        value = t.value if has_year else "--" + t.value[5:]
        return [Fact(subj, "birth_date", value, ("birthday",))]
    m = _BIRTHDAY_IS_TODAY.match(text, p)
    if m and env.ref is not None:
        subj = _owner_subject(m, env)
        if subj is None:
            return []
        rest = m.group("rest").strip(" !.,")
        if m.group("day"):
            try:
                on = env.ref + timedelta(days=1 if m.group("day").lower() == "tomorrow" else 0)
            except OverflowError:
                return []
        else:
            t = best_time(find_times(rest, env.ref, "future"))
            if t is not None and (t.precision != "day" or not t.value):
                return []
            if t is None and rest and not re.match(r"(?:today|again|finally|yay|woo+|haha|lol)\b", rest, re.I):
                return []  # "it's my birthday party next week": not today
            on = date.fromisoformat(t.value) if t else env.ref
        n = int(m.group("nth")) if m.group("nth") else None
        if n and 0 < n < 120:
            # "Tomorrow is my 30th birthday": the year too, and the age it will be.
            return [Fact(subj, "birth_date", birth_date_from_age(on.isoformat(), n) or on.strftime("--%m-%d"), ("birthday",))]
        return [Fact(subj, "birth_date", on.strftime("--%m-%d"), ("birthday",))]
    m = _ENGAGEMENT_IS.match(text, p)
    if m:
        subj = _owner_subject(m, env)
        t = best_time(find_times(m.group(0)[m.start("rest") - m.start() - 12:], env.ref, "future"))
        if subj is None or (t is None and not re.search(r"\b(?:coming\s+up|soon)\b", m.group(0))):
            return []
        what = clean_value(m.group("what"), max_words=4)
        return [Fact(subj, "plans", dated(what, t), ("plan",))] if what else []
    m = _HOBBIES_ARE.match(text, p)
    if m:
        out: list[Fact] = []
        cl = Clause(SELF, m.group("val"), "", env)
        for part in split_list(clean_value(m.group("val"), max_words=14, as_list=True) or ""):
            v = object_value(part, cl, max_words=5)
            if v:
                out.append(Fact(SELF, "hobbies", v, ("hobby",)))
        return out
    m = _NATIVE.match(text, p)
    if m:
        return [Fact(SELF, "native_language", m.group("lang"), ("language",))]
    m = _LANG_IS_MY.match(text, p)
    if m:
        key = "languages" if m.group("which") in ("second", "third") else "native_language"
        return [Fact(SELF, key, m.group("lang"), ("language",))]
    m = _GOAL_IS.match(text, p)
    if m:
        cl = Clause(SELF, m.group("val"), "", env)
        v = vp_value(m.group("val"), cl, "future")
        if not v:
            return []
        if m.group("kind") in ("dream", "hope", "ambition"):
            return [Fact(SELF, "wishes", v, ("wish",))]
        return [Fact(SELF, "plans", dated(v, when(cl, "future")), ("plan",))]
    m = _BUSINESS_OPEN.match(text, p)
    if m:
        words = re.sub(r"^[Mm]y\s+", "", m.group(0).split(" is ")[0].split(" was ")[0])
        biz = ("an " if words[:1].lower() in "aeiou" else "a ") + words
        cl = Clause(SELF, m.group(0), "", env)
        return [Fact(SELF, "business", biz, ("work",)), Fact(SELF, "event", dated(f"opened {biz}", when(cl, "past")), ("event", "work"))]
    m = _HOMETOWN.match(text, p)
    if m:
        place = clean_place(m.group("loc"))
        return [Fact(SELF, "hometown", place, ("location", "origin"))] if place else []
    m = _JOB_IS.match(text, p)
    if m:
        org = clean_org(m.group("org")) if m.group("org") else None
        return [Fact(SELF, "job_title", re.sub(r"\s+", " ", m.group("job")).strip(), ("work",))] + (
            [Fact(SELF, "employer", org, ("work",))] if org else [])
    m = _EMPLOYER_IS.match(text, p)
    if m:
        org = clean_org(re.sub(r"^the\s+", "", m.group("org")))
        return [Fact(SELF, "employer", org, ("work",))] if org else []
    m = _FOOD_HURTS.match(text, p)
    if m:
        food = m.group("food")
        return [Fact(SELF, "intolerances", food if food.isupper() else food.lower(), ("health", "diet"))]
    m = _PART_OF_LIFE.match(text, p) if "part of my" in text else None
    if m and not re.match(r"(?:it|that|this|these|those|they|he|she|which|what|there|you|family|friends|people|everyone)\b", m.group("val"), re.I):
        v = object_value(m.group("val"), Clause(SELF, m.group("val"), "", env), max_words=6)
        return [Fact(SELF, "likes", part, ("preference",)) for part in liked_items(v)] if v else []
    got = persona_statement(text, p, env)  # "my MBTI is INFJ" (rules_persona.py)
    if got is not None:
        return got
    m = _IS_FAV.match(text, p)
    if m:
        raw = m.group("val")
        if re.match(r"(?:it|that|this|these|those|they|he|she|which|what|here|there|you)\b", raw, re.I):
            return []
        cl = Clause(SELF, raw, "", env)
        v = object_value(raw, cl, max_words=6)
        if not v:
            return []
        cat = m.group("cat")
        if m.group("weak"):
            # "Dark chocolate is my weakness": something liked, not a ranked favourite.
            if m.group("weak") == "comfort food":
                return [Fact(SELF, "favorite_comfort_food", v, ("preference", "favorite"))]
            return [Fact(SELF, "likes", part, ("preference",)) for part in liked_items(v)]
        if m.group("one") or not cat:
            return [Fact(SELF, "likes" if m.group("one") else "favorites", v, ("preference", "favorite"))]
        return [Fact(SELF, "favorite_" + snake(singular(cat) if len(cat.split()) == 1 else cat), v, ("preference", "favorite"))]
    return value_statement(text, p, env)  # "hiking is my hobby", "family is important to me" (rules_values.py)


# --------------------------------------------------------------------------- mentions

_REL_MENTION = re.compile(
    rf"\b[Mm]y\s+{REL_MODS}(?P<rel>{REL_ALL})\b(?!')(?:\s*(?P<comma>,)?\s+(?P<name>{NAME})\b(?!'s\s+(?:{REL_ALL}))"
    # "My girlfriend, Toby and I": a list of three (Toby is the dog), not the girlfriend's name
    # ("my sister Anna and I", without the comma, is Anna).
    r"(?(comma)(?!\s+and\s+(?:I|me|my|we)\b)))?"
)
_NAME_IS_REL = re.compile(rf"\b(?P<name>{NAME})(?:,|\s+is)\s+my\s+{REL_MODS}(?P<rel>{REL_ALL})\b(?!['’]s)")  # not "my mother's cat"
_REL_NAMED = re.compile(
    rf"\b(?:a|an|one|my|our)\s+{REL_MODS}(?P<rel>{REL_ALL})\s+(?:named|called)\s+(?P<name>{NAME})"
)
_NOT_A_GIVEN_NAME = "|".join(sorted(lex.DEMONYMS | {"Jewish", "Muslim", "Christian", "Catholic", "Buddhist", "Hindu", "Vegan",
                                                     "Vegetarian", "Gay", "Deaf", "Blind", "Pregnant", "Retired", "Single"}))
_REL_NAME_IS = re.compile(
    rf"\b[Mm]y\s+{REL_MODS}(?P<rel>{REL_ALL})(?:'s\s+name\s+is|\s+is\s+(?:named|called))\s+(?P<name>{NAME})")
# "My girlfriend is Anna." (a name and nothing after it: not "My sister is Canadian")
_REL_IS_NAME = re.compile(rf"\b[Mm]y\s+{REL_MODS}(?P<rel>{REL_ALL})\s+is\s+(?!(?:{_NOT_A_GIVEN_NAME})\b)(?P<name>{NAME})"
                          r"(?=\s*[.!]?\s*$|\s*[.!]\s)")
_PET_MENTION = re.compile(
    rf"\b(?:[Mm]y|[Oo]ur)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})\b(?:\s*,?\s+(?:named\s+|called\s+)?(?P<name>{NAME})\b)?"
)
_PET_NAME_IS = re.compile(
    rf"\b(?:[Mm]y|[Oo]ur)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})(?:'s\s+name\s+is|\s+is\s+(?:named|called)|"
    rf"\s+is\s+(?:a|an)\s+(?:[\w-]+\s+){{0,3}}?(?:named|called))\s+(?P<name>{NAME})"
)
_NAME_IS_PET = re.compile(rf"\b(?P<name>{NAME})(?:,|\s+is)\s+(?:my|our)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})\b")


def _canon_rel(word: str) -> str | None:
    w = word.lower()
    return lex.RELATIONS.get(w) or lex.RELATION_PLURALS.get(w)


@lru_cache(maxsize=8192)
def mentions_in(sentence: str, offset: int = 0) -> tuple[Mention, ...]:
    """People and pets the speaker refers to as theirs: 'my sister Anna', 'Max, my dog'."""
    out: list[Mention] = []
    for rx in (_REL_NAME_IS, _REL_IS_NAME, _REL_NAMED, _NAME_IS_REL, _REL_MENTION):
        for m in rx.finditer(sentence):
            rel = _canon_rel(m.group("rel"))
            if rel is None:
                continue
            plural = m.group("rel").lower() in lex.RELATION_PLURALS
            name = None if plural else valid_name(m.group("name"))
            if any(x.position == offset + m.start() for x in out):
                continue
            if name and any(x.name == name for x in out):
                continue
            if not name and any(x.relation == rel and x.name for x in out):
                continue
            gender = "plural" if plural else lex.relation_gender(rel)
            out.append(Mention(name, rel, gender, None, offset + m.start()))
    named = "name" in sentence or "called" in sentence
    for rx in (_PET_NAME_IS, _NAME_IS_PET, _PET_MENTION):
        if rx is _PET_NAME_IS and not named:
            continue
        for m in rx.finditer(sentence):
            sp = re.sub(r"\s+", " ", m.group("sp").lower())
            species = lex.SPECIES.get(sp) or lex.SPECIES_PLURALS.get(sp)
            name = (explicit_name if rx is _PET_NAME_IS else valid_name)(m.group("name"))
            if name and any(x.name == name for x in out):
                continue
            if not name and any(x.species == species for x in out):
                continue
            out.append(Mention(name, "pet", None, species, offset + m.start()))
    out.sort(key=lambda x: x.position)
    return tuple(out)


def mention_facts(mentions: list[Mention]) -> list[Fact]:
    """The relationship lines a named mention implies ('my sister Anna' -> Anna is a sister)."""
    out: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for mt in mentions:
        if not mt.name or not mt.relation or (mt.name, mt.relation) in seen:
            continue
        seen.add((mt.name, mt.relation))
        subj = Subject("person", mt.name, mt.relation)
        if mt.relation == "pet":
            out.append(Fact(subj, "relationship", "pet", ("pet",)))
            if mt.species:
                out.append(Fact(subj, "species", mt.species, ("pet",)))
            continue
        if mt.relation in lex.FAMILY:
            tag = "family"
        elif mt.relation in lex.WORK_RELATIONS:
            tag = "work"
        else:
            tag = "social"
        out.append(Fact(subj, "relationship", lex.relation_label(mt.relation), ("relationship", tag)))
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
