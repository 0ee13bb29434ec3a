"""The value gate: the last check every memory item passes before it becomes a write.

Whatever produced it (the rules backend, an OpenAI-compatible model, mlx), a value lands in a
file the user reads and every model is given. So before apply.py turns an item into writer
operations, `check_value` asks of it:

    complete   no dangling conjunction, preposition, article or auxiliary at either end
               ("because and surrounding myself...", "adjust based"), no bare pronoun ("it"),
               no clause cut after a verb that needs an object ("started doing"), after a
               quantifier ("transitioning three"), an adverb ("launching soon") or a pronoun
               whose referent is elsewhere ("started doing it"), no event that is a relative
               clause cut from its noun ("received from my network"), and not a vague head
               noun with nothing specific ("unexpected event")
    shaped     the shape its key expects: an ISO date (YYYY-MM-DD, YYYY-MM, YYYY or --MM-DD) for
               dates, a number for ages and counts, a name for a person, a place for a
               location, an organisation for an employer, a known word for gender, marital
               status and personality type
    sized      a sensible length for a fact line (a free-form note may be longer)

and of the entity it names (`check_entity`): a name, not an adverb or interjection
("Thankfully, my son's ok" must not make thankfully.md), and not the user (facts about the
user go to user.md instead: `is_user`).

A check returns the reason it failed (for the journal and `memd decisions`) or None. The lists
are word classes of general English, nothing tuned to a data set. Dates are normalised first:
an ISO week ("2023-W19", which the format does not allow) becomes the month that holds its
Thursday (`normalise_dates`).
"""

from __future__ import annotations

import re
from datetime import date
from collections.abc import Iterable

from memd.extract.rules_dates import parse_number

# -- word classes ---------------------------------------------------------------------------
CONJUNCTIONS = frozenset("""and or but nor yet so because although though while whereas if unless since
until than that which who whom whose whether as when where""".split())
# Prepositions that cannot end a phrase. "in", "on", "up", "out", "over", "around", "by", "off",
# "down", "back", "away" also end phrasal verbs ("moving in", "working out") and are left alone.
PREPOSITIONS = frozenset("""of to for with from at into onto about than like based between during without
towards toward upon via among amongst against within across behind beyond near under despite except
including regarding such per""".split())
DETERMINERS = frozenset("""a an the this these those my your his her its our their some any every each no
another either neither which what whose""".split())
AUXILIARIES = frozenset("""is are was were be been being am have has had do does did will would can could
should may might must shall""".split())
PRONOUNS = frozenset("""i me you he him she her it we us they them myself yourself himself herself itself
ourselves themselves one ones something anything everything nothing someone anyone everyone nobody
somebody anybody everybody stuff things thing this that these those there here""".split())
WH_WORDS = frozenset("how what why when where who which whether".split())
# Verbs that need an object or a complement: a value ending on one was cut mid-clause.
LIGHT_VERBS = frozenset("""do doing did done make making made get getting got gotten have having take taking
took taken go going went try trying tried start starting started begin beginning began begun keep keeping
kept stop stopping stopped want wanting wanted need needing needed like liking liked love loving loved
hope hoping hoped plan planning planned decide deciding decided consider considering considered seem
seeming seemed feel feeling felt find finding found see seeing saw seen give giving gave given put putting
use using used become becoming became bring bringing brought let letting help helping helped enjoy
enjoying enjoyed explore exploring explored focus focusing focused incorporate incorporating incorporated
include including involve involving ensure ensuring allow allowing enable enabling wait waiting waited""".split())
# Adverbs of time and degree: after them the clause's object is missing ("launching soon").
DANGLING_ADVERBS = frozenset("""soon now lately recently again already yet anymore too also either really before
quite very still just even ever never rather somewhat pretty much then meanwhile instead though
anyway""".split())
QUANTIFIERS = frozenset("""one two three four five six seven eight nine ten eleven twelve twenty thirty
hundred thousand few several many much lot lots bit couple half some more most all both""".split())
# Nouns that say nothing on their own: "an unexpected event", "a great experience".
GENERIC_NOUNS = frozenset("""event events thing things stuff situation situations experience experiences time
times moment moments day days issue issues matter matters way ways lot part parts kind sort type aspect
aspects activity activities step steps change changes idea ideas plan plans option options progress
something anything everything opportunity opportunities challenge challenges news update updates""".split())
EVALUATIVE = frozenset("""great good bad nice fun hard tough big small huge little new old real whole different
same certain difficult interesting exciting unexpected random weird strange crazy major minor first last
next personal special important amazing awesome wonderful terrible horrible lovely best worst recent
significant positive negative several many few some various other such rough busy long short quick
meaningful memorable""".split())
# Sentence adverbs and interjections: what a capitalised first word often is ("Thankfully, ...").
INTERJECTIONS = frozenset("""oh ah wow yeah yes yep nope no ok okay hey hi hello thanks thank well anyway
so um uh hmm huh alas gosh jeez sure maybe perhaps also still today yesterday tomorrow tonight sorry
please lol haha omg btw honestly actually basically anyway congrats congratulations cheers ugh yay
though however meanwhile besides plus then now again unfortunately fortunately luckily thankfully
hopefully sadly apparently obviously clearly seriously literally definitely absolutely totally
especially finally recently lately currently""".split())
_ADVERB_ENDINGS = ("fully", "ally", "ily", "ously", "ively", "ently", "antly", "estly", "lessly", "ably", "ibly",
                   "edly", "ingly", "ately", "ishly", "ently", "urely", "ictly", "ectly", "etely", "ainly")
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
# Verbs that take an object: straight before a preposition, an auxiliary or an adverb, the object
# was cut away ("the support I received from my network" -> "received from my network").
TRANSITIVE_PAST = frozenset("""found received created cultivated made got gave built gained developed bought
brought took had shared sent wrote obtained achieved earned offered provided fostered organized organised
prepared designed learned learnt chose picked""".split())

GENDERS = frozenset("""male female man woman non-binary nonbinary genderqueer genderfluid agender
transgender trans man trans woman""".split()) | {"trans man", "trans woman", "non binary"}
MARITAL = frozenset("""single married divorced widowed widow widower separated engaged partnered
dating cohabiting""".split()) | {"in a relationship", "domestic partnership", "civil partnership",
                                 "it's complicated", "not married", "never married"}
_MBTI = re.compile(r"^[IE][NS][TF][JP](?:-[AT])?$", re.I)

# -- key shapes -----------------------------------------------------------------------------
DATE_KEYS = frozenset("birth_date birthday graduation_date moved_date wedding_date anniversary date start_date end_date".split())
NUMBER_KEYS = frozenset("age".split())
NAME_KEYS = frozenset("""user_name preferred_name name nickname partner spouse husband wife boyfriend
girlfriend fiance fiancee""".split())
PLACE_KEYS = frozenset("""living_location location hometown birth_location birthplace moved_from
previous_location work_location city country residence""".split())
# Keys that name a relative, friend or pet: their value is a name or a description, never an
# adverb or interjection that happened to stand capitalised at the start of a sentence.
RELATIVE_KEYS = frozenset("""mother father parent sister brother sibling son daughter child partner spouse
husband wife boyfriend girlfriend fiance fiancee friend best_friend colleague coworker boss manager cousin aunt
uncle grandmother grandfather grandparent niece nephew roommate neighbor neighbour mentor pet pets children
siblings""".split())
ORG_KEYS = frozenset("employer previous_employer company organization organisation".split())
# Lower-case heads a place may have ("the countryside", "a small town").
PLACE_NOUNS = frozenset("""countryside suburbs suburb city town village downtown area neighborhood neighbourhood
apartment flat house farm coast seaside mountains island abroad region state country capital
outskirts center centre""".split())
ORG_NOUNS = frozenset("""hospital clinic school university college company firm agency startup start-up bank
restaurant cafe café bakery store shop factory lab laboratory office studio nonprofit non-profit charity
ngo government ministry department council library museum hotel airline newspaper magazine publisher
consultancy practice church supermarket gym theater theatre band team club""".split())
TEXT_KEYS_LONG = 30  # words a dated event or plan may hold
FACT_WORDS = 14  # words a fact value may hold
NOTE_WORDS = 80  # a free-form note (section Notes)
MAX_CHARS = 300

_WORD = re.compile(r"[\w'’.-]+")
_ISO_WEEK = re.compile(r"\b(\d{4})-W(\d{2})\b")
_DATE_SHAPE = re.compile(r"^(?:\d{4}(?:-\d{2}(?:-\d{2})?)?|--\d{2}-\d{2})$")
_DATED = re.compile(r"^(?P<date>\d{4}(?:-W\d{2}|-\d{2}(?:-\d{2})?)?): (?P<text>.+)$", re.S)


def normalise_dates(value: str) -> str:
    """ISO weeks become months: '2023-W19: x' -> '2023-05: x' (the week's Thursday decides)."""
    def month(m: re.Match[str]) -> str:
        try:
            thursday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 4)
        except ValueError:
            return m.group(0)
        return f"{thursday.year:04d}-{thursday.month:02d}"

    return _ISO_WEEK.sub(month, value) if "-W" in value else value


def normalise_value(key: str, value: str) -> str:
    """The value as memory writes it: ISO weeks as months, an age or a count in digits ('two' -> '2')."""
    value = normalise_dates(value)
    if key in NUMBER_KEYS or key.startswith("number_of_"):
        n = parse_number(value)
        if n is not None and not value.strip().isdigit():
            return str(n)
    return value


def valid_date(text: str) -> bool:
    """An ISO date at the precision the format allows, and a real day."""
    if not _DATE_SHAPE.match(text):
        return False
    parts = text.lstrip("-").split("-")
    try:
        if text.startswith("--"):
            date(2000, int(parts[0]), int(parts[1]))
        elif len(parts) == 3:
            date(int(parts[0]), int(parts[1]), int(parts[2]))
        elif len(parts) == 2:
            return 1 <= int(parts[1]) <= 12
    except ValueError:
        return False
    return True


def _words(text: str) -> list[str]:
    return [w.strip(".'’").lower() for w in _WORD.findall(text) if w.strip(".'’")]


def is_adverb(word: str) -> bool:
    w = word.lower()
    return w in INTERJECTIONS or w in DANGLING_ADVERBS or (len(w) >= 7 and w.endswith(_ADVERB_ENDINGS))


def _complete(text: str) -> str | None:
    """Why `text` is not a complete phrase, or None."""
    words = _words(text)
    if not words:
        return "no words"
    first, last = words[0], words[-1]
    if len(words) == 1 and (first in PRONOUNS or first in DETERMINERS or first in CONJUNCTIONS):
        return f"a bare pronoun or function word ({first!r})"
    if first in CONJUNCTIONS - {"as", "when", "where", "which", "what", "who", "whose"}:
        return f"starts with a conjunction ({first!r}): a clause cut from its sentence"
    if last in CONJUNCTIONS:
        return f"ends with a dangling conjunction ({last!r})"
    if len(words) > 1 and last in ("wow", "yay", "lol", "haha", "omg", "ugh", "whoa", "woah"):
        return f"ends with an exclamation ({last!r}): the sentence went on elsewhere"
    if last in PREPOSITIONS:
        return f"ends with a dangling preposition ({last!r})"
    if last in DETERMINERS and words[-2:] != ["one", "another"]:  # "play with one another" is whole
        return f"ends with a dangling article or determiner ({last!r})"
    if last in AUXILIARIES:
        return f"ends with an auxiliary verb ({last!r}): a clause cut mid-way"
    if last in WH_WORDS:
        return f"ends with {last!r}: a clause cut mid-way"
    if len(words) == 1 and first in FREQUENCY_ADVERBS:
        return f"only an adverb ({first!r}): what it qualifies was cut away"
    m = _RELATIVE_RUNON.search(text)
    if m:
        # "the help I got from people I looked up to was invaluable" -> "looked up to was invaluable":
        # a relative clause cut from its noun and run into the sentence's own verb.
        return f"a relative clause run into another clause ({m.group(0)!r})"
    m = _ADJECTIVE_END.search(text)
    if m:
        return f"ends with an adjective ({words[-1]!r}): its noun was cut away"
    m = _DEMONSTRATIVE_OBJECT.search(text)
    if m:
        # "got this as a treat", "decided to include this at the beginning": the thing is in the
        # photo or the message before, not in the value.
        return f"{(m.group(1) or m.group(2)).lower()!r} stands for a thing named elsewhere"
    if len(words) > 1 and last in ("it", "them", "this", "that", "these", "those", "him", "her", "something",
                                    "stuff", "things", "one", "ones"):
        return f"ends with a pronoun ({last!r}): what it stands for is not in the value"
    if len(words) > 2 and any(w in ("him", "them") for w in words[1:-1]):
        # "talked to him afterwards and linked him up": who he is was said in another message.
        return "a pronoun (him/them) for someone the value does not name"
    if len(words) > 2 and words[-2] in ("i", "you", "he", "she", "it", "we", "they"):
        # "the connection it brings", "the book I read": a relative clause whose object is the
        # value's own noun, cut from the sentence that said which one.
        return f"ends with a clause ({words[-2]!r} {last!r}) that points outside the value"
    if last in LIGHT_VERBS and not (len(words) > 1 and (words[-2] in DETERMINERS or words[-2].endswith(_NOUN_BEFORE)
                                                       or (words[-2] == "in" and last == "need")
                                                       or words[-2] in ("stay", "stays", "staying", "remain", "remains"))):
        # ("kids in need": the verb's form is a noun after "in"; "stay focused": an adjective after "stay")
        # ("my focus", "strategic planning": the verb's form used as a noun is whole)
        return f"ends with a verb that needs an object ({last!r}): a clause cut mid-way"
    if len(words) > 1 and last in DANGLING_ADVERBS:
        return f"ends with an adverb ({last!r}): the clause's object is missing"
    if len(words) > 1 and last in QUANTIFIERS:
        return f"ends with a quantifier ({last!r}): its noun is missing"
    # ("the US", "the UK": an acronym is no pronoun)
    if not re.search(r"\b[A-Z]{2,}\b", text) and all(
            w in PRONOUNS or w in DETERMINERS or w in AUXILIARIES or w in CONJUNCTIONS or w in PREPOSITIONS for w in words):
        return "only function words"
    if last in GENERIC_NOUNS and all(w in GENERIC_NOUNS or w in EVALUATIVE or w in DETERMINERS
                                     or w in DANGLING_ADVERBS or w.endswith("ed") for w in words):
        return f"too vague (a generic {last!r} with nothing specific)"
    return None


_RELATIVE_RUNON = re.compile(r"\b(?:to|from|on|in|with|at|for|about|of|into|up|[a-z]+ed|[a-z]{2,}ing)\s+"
                             r"(?:was|is|were|are)\b|\b(?:was|is|were|are)\s+(?:my|their|his|her|our)\s+"
                             r"(?:favorite|favourite|best|worst)\b"
                             # "helping create a more loving world is amazing", "supported has really meant",
                             # "got made a huge difference": the sentence's own verb run into the value
                             r"|\s(?:is|was)\s+(?:so\s+|really\s+|truly\s+)?(?:amazing|awesome|great|important|key|wonderful|"
                             r"incredible|fun|cool|nice|hard|tough|special)\b|\b(?:has|have)\s+(?:really\s+|truly\s+)?"
                             r"(?:meant|helped|been)\b|^got\s+(?:made|helped|meant|been)\b", re.I)
# "looking for unique" (from "on the hunt for unique, trendy pieces"): an adjective after a
# preposition or article, with its noun cut away at the comma.
_ADJECTIVE_END = re.compile(r"\b(?:for|of|with|about|a|an|the|some|more|new)\s+(?:[a-z]+(?:ique|ous|ive|able|ible)|unique|trendy|"
                            r"fancy|cozy|cosy|healthy|tasty|fresh|local|modern|vintage|classic|cool|cute|different|various|"
                            r"similar|other|several|mental|safe|social|emotional|physical|personal|financial|"
                            r"professional|creative|positive|supportive|loving|better|real)$")
FREQUENCY_ADVERBS = frozenset("always sometimes usually often rarely seldom occasionally frequently".split())
# A demonstrative straight after a verb and before a preposition is a pronoun, not a determiner.
_DEMONSTRATIVE_OBJECT = re.compile(r"\b(?:[a-z]+ed|got|made|took|bought|did|put|saw|wrote|drew|built|found|include|"
                                   r"including|on)\s+(this|that)\s+(?:as|at|for|to|in|on|with|from|into|because|after|before)\b|"
                                   # "wrapped that up", "sorted this out": a pronoun before a particle
                                   r"\b[a-z]+\s+(this|that)\s+(?:up|out|off|down|over|back|away)$", re.I)
_TIME_NOUNS = frozenset("day days week weeks month months year years morning night evening weekend time other last past next".split())
_NOUN_BEFORE = ("ic", "al", "ful", "ive", "ous")  # an adjective before "-ing" makes it a noun: "strategic planning"
_PARTICLES = ("together", "in", "on", "by", "through", "over", "around", "out", "up")
# "found beneficial": an adjective straight after the verb, where its object should be.
_ADJECTIVE_ENDINGS = ("ful", "ous", "ive", "able", "ible", "ial", "ical", "less")


_REPORTED = re.compile(r"(?:found|realized|realised|learned|learnt|discovered|noticed|felt|thought|decided|figured|"
                       r"saw|heard|read|knew|understood|agreed|believed|said|told\s+\w+)\s+that\b", re.I)


def _cut_relative(key: str, text: str) -> str | None:
    """Why an event is a relative clause cut from its noun ("the support I received from my
    network" -> "received from my network"), or a clause reported by a verb of knowing, or None."""
    if not (key == "event" or key.endswith(("_event", "_events"))):
        return None
    if _REPORTED.match(text):
        # "found that sharing personal experiences and the tangible benefits": what was found is
        # a clause cut short; the finding itself is no event.
        return f"{text.split()[0]!r} + that-clause: a reported thought, not an event"
    words = _words(text)
    first = words[0] if words else ""
    second = words[1] if len(words) > 1 else ""
    # "got to", "had to", "learned to" open an infinitive: the phrase goes on.
    third = words[2] if len(words) > 2 else ""
    fourth = words[3] if len(words) > 3 else ""
    if second in ("up", "out") and (third in DETERMINERS or third.isdigit() or (third.endswith("ing") and not fourth)) \
            and fourth not in _TIME_NOUNS:
        # A phrasal verb with its object: "took up some community work", "picked up the guitar", "took up running";
        # not "found through these activities" or "picked up the other day" (cut from a noun).
        return None
    if second in ("up", "out") and third and third.isalpha() and third not in PRONOUNS and third not in PREPOSITIONS \
            and third not in _TIME_NOUNS and third not in DANGLING_ADVERBS and (not fourth or fourth in PREPOSITIONS):
        # "took up pottery", "took up pottery in 2022": a phrasal verb with a bare noun for object.
        return None
    if first in TRANSITIVE_PAST and second not in ("to", "such") and (not second or second in PREPOSITIONS or second in AUXILIARIES
                                     or second in DANGLING_ADVERBS or second in _PARTICLES
                                     or (second.endswith(_ADJECTIVE_ENDINGS)
                                         and (len(words) < 3 or words[2] in PREPOSITIONS or words[2] in _PARTICLES))):
        return f"{first!r} without its object: a relative clause cut from its noun"
    return None


def _capitalised(text: str) -> bool:
    return any(w[:1].isupper() or w[:1].isdigit() for w in text.split())


def _shape(key: str, value: str) -> str | None:
    """Why `value` does not have the shape `key` expects, or None."""
    v = value.strip()
    low = v.lower()
    if key in DATE_KEYS or key.endswith("_date"):
        return None if valid_date(v) else f"not a date (YYYY-MM-DD, YYYY-MM or YYYY): {v!r}"
    if key in NUMBER_KEYS or key.startswith("number_of_") or key.endswith("_age"):
        m = re.fullmatch(r"(?:about |around |almost |nearly )?([\w -]{1,20}?)(?:\+| years(?: old)?)?", low)
        n = parse_number(m.group(1)) if m else None  # "34", "two", "thirty-four"
        if n is None:
            return f"not a number: {v!r}"
        if key in NUMBER_KEYS and not 0 <= n <= 130:
            return f"not an age: {v!r}"
        return None
    if key == "gender":
        return None if low in GENDERS else f"not a gender: {v!r}"
    if key in ("marital_status", "relationship_status"):
        return None if low in MARITAL else f"not a marital status: {v!r}"
    if key in ("personality_type", "mbti"):
        return None if _MBTI.match(v) else f"not a personality type (MBTI): {v!r}"
    if key in RELATIVE_KEYS and len(v.split()) == 1 and (is_adverb(v) or low in PRONOUNS):
        return f"not a person or pet: {v!r}"
    if key in NAME_KEYS:
        return None if person_name(v) else f"not a person's name: {v!r}"
    if key in PLACE_KEYS:
        words = _words(v)
        head_ok = words and words[-1] in PLACE_NOUNS
        if (_capitalised(v) or head_ok) and len(words) <= 6:
            return None
        return f"not a place: {v!r}"
    if key in ORG_KEYS:
        words = _words(v)
        if (_capitalised(v) or (words and words[-1] in ORG_NOUNS)) and len(words) <= 8:
            return None
        return f"not an organisation: {v!r}"
    if key in ("languages", "native_language", "learning_language"):
        return None if _capitalised(v) and len(_words(v)) <= 4 else f"not a language: {v!r}"
    return None


def person_name(text: str) -> bool:
    """'Anna', 'Anna Schmidt', "Mary-Jane O'Neil", 'van der Berg' (particles inside only)."""
    words = text.split()
    if not 1 <= len(words) <= 5 or not words[0][:1].isupper():
        return False
    for w in words:
        bare = w.strip(".,'’")
        if not bare or not re.fullmatch(r"[\w'’.-]+", bare) or any(c.isdigit() for c in bare):
            return False
        low = bare.lower()
        if low in PRONOUNS or low in CONJUNCTIONS or low in AUXILIARIES or low in WEEKDAYS:
            return False
        if not bare[:1].isupper() and low not in ("van", "von", "der", "den", "de", "da", "di", "del", "la", "le",
                                                   "bin", "al", "ibn", "ter", "du"):
            return False
    return not is_adverb(words[0].strip(".,'’")) or len(words) > 1


# "favorite_when: Games": a favourite of a function word is a sentence misread, not a category.
_NO_CATEGORY = re.compile(r"^favou?rites?_(?:when|what|how|where|who|which|why|one|ones|thing|things|part|parts|kind|"
                          r"way|time|bit|is|was|are|of|to|in|and|the|a|an|this|that)$")


def check_value(key: str, value: str, *, note: bool = False) -> str | None:
    """Why (key, value) must not be written, or None when it may be."""
    v = value.strip()
    if not v:
        return "empty value"
    if _NO_CATEGORY.match(key):
        return f"no category a favourite could be of: {key!r}"
    if len(v) > (MAX_CHARS * 2 if note else MAX_CHARS):
        return f"too long ({len(v)} characters)"
    m = _DATED.match(v)
    if m:
        if not valid_date(m.group("date")):
            return f"not a date: {m.group('date')!r}"
        text, limit = m.group("text"), TEXT_KEYS_LONG
    else:
        text, limit = v, NOTE_WORDS if note else (TEXT_KEYS_LONG if _is_event_key(key) else FACT_WORDS)
    words = _words(text)
    if len(words) > limit:
        return f"too long for a fact ({len(words)} words)"
    shape = _shape(key, text)
    if shape:
        return shape
    if key in DATE_KEYS or key.endswith("_date") or key in NUMBER_KEYS or key.startswith("number_of_"):
        return None  # dates and numbers are whole as they are
    return _complete(text) or _cut_relative(key, text) or _vague(key, text, dated=bool(m))


def _is_event_key(key: str) -> bool:
    return key in ("event", "plans", "wishes") or key.endswith(("_event", "_events", "_plans"))


def check_entity(name: str) -> str | None:
    """Why `name` cannot be an entity (a file under entities/), or None."""
    n = name.strip()
    words = n.split()
    if not words:
        return "empty entity name"
    if len(words) > 6 or len(n) > 80:
        return f"too long for a name ({len(words)} words)"
    low = [w.strip(".,!?'’").lower() for w in words]
    if len(words) == 1 and is_adverb(low[0]):
        return f"{n!r} is an adverb or interjection, not a name"
    if all(w in INTERJECTIONS or w in PRONOUNS or w in DETERMINERS or w in CONJUNCTIONS or w in PREPOSITIONS
           or w in AUXILIARIES or w in DANGLING_ADVERBS for w in low):
        return f"{n!r} is made of function words, not a name"
    if len(words) > 1 and low[0] in ("my", "your", "his", "her", "our", "their"):
        return f"{n!r} is a description, not a name"
    if low[0] in PRONOUNS - {"one"} or low[0] in CONJUNCTIONS or low[0] in AUXILIARIES:
        return f"{n!r} starts with {low[0]!r}: not a name"
    if not any(c.isalnum() for c in n):
        return f"{n!r} has no letters"
    return None


def is_user(name: str, user_names: Iterable[str], *, exact: bool = False) -> bool:
    """Whether `name` names the user: one of their names, or (unless `exact`) the first name of a
    full one ("Martin" for "Martin Mark") or a full name starting with one ("Evan Smith" for "Evan")."""
    n = " ".join(name.casefold().split())
    if not n:
        return False
    for u in user_names:
        u = " ".join(str(u).casefold().split())
        if not u:
            continue
        if n == u or (not exact and ((" " in u and n == u.split()[0]) or (" " in n and n.split()[0] == u))):
            return True
    return False


# The checks for phrases that are whole but say nothing to remember live in value_intent.py, which
# reads the word classes above (so it is imported when first needed, not at the top).
def _vague(key: str, text: str, *, dated: bool) -> str | None:
    from memd.extract.value_intent import vague

    return vague(key, text, dated=dated)
