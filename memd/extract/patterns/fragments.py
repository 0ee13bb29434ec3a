"""Regular-expression building blocks the predicate rules are written with.

A place (LOC: a run of capitalised words, "Rio de Janeiro", "Austin, Texas"), an organisation
(ORG, WORKPLACE: "the city hospital"), a person's NAME, a job title (JOB), and the word lists of
rules_lexicon turned into alternations (SPECIES_ALL, LANG_ALT, DIETS, HEALTH, FOODS). They are
plain strings, so a rule pattern splices them in with an f-string and compiles once.

ADV is the run of adverbs that may stand before a verb ("I just moved", "I'm actually living");
match_predicate skips it once per predicate (ADV_RX), which is why most rules need not list it
in front of their verb.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.words import alternation

ADV_WORDS = alternation("adverbs")
ADV = rf"(?:(?:{ADV_WORDS})\s+)*"
ADV_RX = re.compile(ADV)
_CW = r"[A-Z][A-Za-z'&-]*(?:\.(?=\s[A-Z]))?"
_CONNECT = r"(?:of|de|del|da|do|dos|das|di|du|la|le|el|upon|on|am|sur|en)"
LOC = rf"(?:the\s+)?{_CW}(?:\s+(?:{_CONNECT}\s+)?{_CW}){{0,4}}(?:,\s*{_CW}(?:\s+{_CW}){{0,2}})?"
_LOC_DESC = (
    rf"(?:a|the)\s+(?:(?:small|big|little|tiny|quiet|beautiful|nice|cute|coastal|rural|"
    rf"college)\s+)?(?:town|city|village|suburb|neighborhood|neighbourhood)\s+"
    rf"(?:near|outside(?:\s+of)?|in|north\s+of|south\s+of|east\s+of|west\s+of)\s+{LOC}"
)
_LOC_DESC2 = rf"the\s+(?:suburbs|outskirts|center|centre|heart|north|south|east|west)\s+of\s+{LOC}"
LOC_ANY = rf"(?:{_LOC_DESC}|{_LOC_DESC2}|{LOC})"
DWELLINGS = alternation("dwellings")
OW = r"(?:[A-Z][A-Za-z'&.-]*[A-Za-z](?:\.(?=\s[A-Z]))?|[A-Z]|[a-z]+[A-Z][A-Za-z]*)"
ORG = rf"(?:the\s+)?{OW}(?:\s+(?:(?:of|for|de|&)\s+)?{OW}){{0,4}}"
_WORKPLACE_HEADS = alternation("workplace_heads")
WORKPLACE = rf"(?:a|an|the)\s+(?:[a-z][\w-]*\s+){{0,3}}?(?:{_WORKPLACE_HEADS})\b"
_NAME_TOKEN = r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+|'[A-Z][a-z]+)?"
NAME = rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?"
REL_ALL = lex.alternation(set(lex.RELATIONS) | set(lex.RELATION_PLURALS))
REL_MODS = rf"(?:(?:{lex.RELATION_MODIFIERS})\s+)*"
_JOB_HEADS = lex.alternation(lex.JOB_HEADS)
# Up to three modifiers, greedy so "assistant manager" is not cut to "assistant"; function
# words cannot be modifiers, so "a teacher and a writer" stays two jobs.
_JOB_MOD = r"(?!(?:and|or|a|an|the|at|in|for|of|with|to|from|by|on|but)\b)(?:\d{1,3}-year-old|[A-Za-z][\w'-]*)"
JOB = rf"(?:{_JOB_MOD}\s+){{0,3}}(?i:{_JOB_HEADS})(?:s)?\b"
# Some breeds are proper nouns ("German shepherd", "Maine coon"): those are listed capitalised too.
SPECIES_ALL = lex.alternation(
    set(lex.SPECIES) | set(lex.SPECIES_PLURALS) | {w[:1].upper() + w[1:] for w in lex.PROPER_BREEDS}
)
LANG_ALT = lex.alternation(lex.LANGUAGES)
DIETS = lex.alternation(lex.DIETS)
HEALTH = lex.alternation(lex.HEALTH)
FOODS = lex.alternation(lex.TRIGGER_FOODS | set(lex.DIET_FOODS.split("|")))
NUM = (
    r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety)(?:[-\s](?:one|two|three|four|five|six|seven|eight|nine))?"
)
MONTH_ALT = "January|February|March|April|May|June|July|August|September|October|November|December"
DEGREE = (
    r"(?:bachelor'?s|master'?s|BA|BS|BSc|MA|MS|MSc|MBA|PhD|Ph\.D\.?|doctorate|degree|diploma|"
    r"certificate|associate'?s|law\s+degree|medical\s+degree)(?:\s+degree)?"
)
HAVE = r"(?:have|has)"
REST = r"(?P<rest>.*)"
# "any more", "any longer": what makes "I'm not a nurse any more" a change, not a denial.
NO_MORE = r"(?:any\s*more|any\s+longer)"


# Words that may open a clause before its subject ("Oh well, I ...", "Last Sunday we ...",
# "These days my ..."): skipped by the clause splitter and the statement readers alike.
MARKERS = re.compile(
    r"(?:(?:oh|well|yeah|yes|yep|so|and|but|also|plus|anyway|anyways|btw|by\s+the\s+way|actually|honestly|"
    r"guess\s+what|fun\s+fact|lol|haha|wow|hey|hi|hello|ok|okay|um|uh|then|now|luckily|unfortunately|"
    r"sadly|thankfully|fortunately|good\s+news|update|as\s+for\s+me|for\s+me|ps|p\.s\.|man|dude|"
    r"still|anyhow|alright|right|sure|true|totally|speaking\s+of\s+which|recently|lately|also|"
    r"these\s+days|nowadays|currently|at\s+the\s+moment|right\s+now|"
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
