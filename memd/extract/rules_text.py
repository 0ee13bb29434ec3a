"""Text plumbing for the rules backend: normalising chat text, sentences, and clean values.

Chat text is informal ("gonna", "fave", "'cause", curly quotes, emoji). The extraction
patterns are written once against a normal form: contractions expanded ("I'm" -> "I am",
"don't" -> "do not"), slang spelled out, quotes straight, emoji gone. Values are cut from this
normal form and then cleaned so that a memory line stays short ("Berlin, Germany", not "Berlin,
Germany because my partner got a job there").
"""

from __future__ import annotations

import re

_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2b00-\u2bff"
    "\ufe0f\u200d\u20e3]+"
)
_QUOTE_CHARS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00b4": "'", "`": "'"})

# Spelled-out forms for chat shorthand. Looked up word by word (a split and a dict) rather than
# with one big case-insensitive regex: normalising runs on every turn, and this is ten times
# cheaper.
_SLANG_WORDS = {
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "'cause": "because",
    "'cuz": "because", "cuz": "because", "coz": "because", "cos": "because", "fav": "favorite",
    "fave": "favorite", "favourite": "favorite", "favs": "favorites", "faves": "favorites",
    "favourites": "favorites", "bday": "birthday", "b-day": "birthday", "tmrw": "tomorrow",
    "tmr": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow", "tomorrw": "tomorrow",
    "yday": "yesterday", "dont": "do not", "cant": "can not", "bff": "best friend",
    "b/c": "because", "bc": "because", "yr": "years", "yrs": "years", "biz": "business",
    "collab-ing": "collaborating", "collabing": "collaborating", "peeps": "people",
    "catchin'": "catching", "w/": "with", "fam": "family",
}
# Only in lower case: "IM" or "GF" in capitals are more likely names or acronyms.
_SLANG_CASED = {"im": "I am", "i": "I", "ive": "I have", "bf": "boyfriend", "gf": "girlfriend"}
_EDGE_PUNCT = ".,!?;:()\"[]"


def _spell_out(t: str) -> str:
    parts = t.split(" ")
    changed = False
    for i, w in enumerate(parts):
        core = w.strip(_EDGE_PUNCT)
        if not core:
            continue
        rep = _SLANG_CASED.get(core) or _SLANG_WORDS.get(core.lower())
        if rep == "got to" and not (i and parts[i - 1].lower() in ("have", "has", "had", "i've", "we've", "you've")):
            # "We gotta push ourselves": an obligation now ("have to"), never the past "got to <verb>"
            rep = "have to"
        if rep is not None:
            parts[i] = w.replace(core, rep, 1)
            changed = True
    return " ".join(parts) if changed else t


# Contractions are expanded where the apostrophe is, by looking at the words on each side:
# "'s" after a pronoun is "is" (or "has" before a participle), after a name it is a possessive
# and stays; "'d" is "had" before a participle and "would" otherwise.
_PARTICIPLES = frozenset(
    "been had gone done seen never already just got gotten made left moved taken met started "
    "finished lived worked".split()
)
_S_IS = frozenset("he she it that there what who here where how".split())


def _contraction(before: str, after: str, following: str) -> str | None:
    a = after.lower()
    b = before.lower()
    nxt = following.split(" ", 2)[1] if following.startswith(" ") and len(following) > 1 else ""
    if a == "t" and b.endswith("n") and len(b) > 1:
        special = {"won": "will not", "can": "can not", "shan": "shall not", "ain": "am not"}
        if b in special:
            out = special[b]
            return out[0].upper() + out[1:] if before[:1].isupper() else out
        return before[:-1] + " not"
    if a == "m" and b == "i":
        return "I am"
    if a == "re" and before:
        return before + " are"
    if a == "ve" and before:
        return before + " have"
    if a == "ll" and before:
        return before + " will"
    if a == "d" and before:
        return before + (" had" if nxt.lower() in _PARTICIPLES else " would")
    if a == "s":
        if b in _S_IS:
            return before + (" has" if nxt.lower() in _PARTICIPLES else " is")
        if b == "let":
            return before + " us"
        if b in ("name", "birthday"):
            return before + " is"
    return None


def _expand_contractions(t: str) -> str:
    if "'" not in t:
        return t
    out: list[str] = []
    last = 0
    i = t.find("'")
    n = len(t)
    while i != -1:
        j = i
        while j > 0 and t[j - 1].isalpha():
            j -= 1
        k = i + 1
        while k < n and t[k].isalpha():
            k += 1
        rep = _contraction(t[j:i], t[i + 1:k], t[k:k + 16]) if j >= last else None
        if rep is not None:
            out.append(t[last:j])
            out.append(rep)
            last = k
            i = t.find("'", k)
        else:
            i = t.find("'", i + 1)
    out.append(t[last:])
    return "".join(out)


# (and initials: "Fontaines D.C.", "the U.S." -- a capital letter and a dot before another)
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|e\.g|i\.e|approx|Mt|Ave|Inc|Ltd|Co|mr|mrs|dr|st)\."
                            r"|\b[A-Z]\.(?=[A-Z]\.)")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$|[A-Z])|\n")
_SPACES = re.compile(r" {2,}")
_DOUBLE_QUOTED = re.compile(r'"([^"\n]{0,400})"')
_FIRST_PERSON = re.compile(r"\b(?:I|my|me|we|our|you|your)\b", re.I)


def _quoted(m: re.Match[str]) -> str:
    inner = m.group(1).strip()
    # A short quote without pronouns is a title ("a piece called 'Finding Freedom'"): keep the
    # words. Anything that reads like speech is someone else's voice: drop it, and leave a
    # clause break so the words around it do not run together.
    if len(inner.split()) <= 5 and not _FIRST_PERSON.search(inner):
        return inner
    return " ; "


# A fenced block is code or a paste, never the speaker talking: it is left out, with a break.
_CODE_FENCE = re.compile(r"```.*?(?:```|$)|~~~.*?(?:~~~|$)", re.S)


def normalise(text: str) -> str:
    """The normal form the patterns are written against (see module docstring)."""
    if "```" in text or "~~~" in text:
        text = _CODE_FENCE.sub("\n", text)
    t = text.translate(_QUOTE_CHARS)
    t = _EMOJI.sub(" ", t)
    if '"' in t:
        t = _DOUBLE_QUOTED.sub(_quoted, t)
    t = t.replace("\u2014", " - ").replace("\u2013", " - ").replace("\t", " ")
    t = _expand_contractions(t)
    t = _spell_out(t)
    if "  " in t:
        t = _SPACES.sub(" ", t)
    return t.strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of a normalised text; abbreviations such as 'Dr.' do not end one."""
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + "\x00", text) if "." in text else text
    out: list[str] = []
    pos = 0
    for m in _SENTENCE_END.finditer(protected):
        part = protected[pos:m.end()].replace("\x00", ".").strip(" \t-\n")
        if part:
            out.append(part)
        pos = m.end()
    tail = protected[pos:].replace("\x00", ".").strip(" \t-\n")
    if tail:
        out.append(tail)
    return out


_QUESTION_START = re.compile(
    r"^(?:(?:so|and|but|oh|hey|well|also|btw|anyway|wow|really|ok|okay)[,!]?\s+)*"
    r"(?:what|where|when|who|whom|whose|why|how|which|do|does|did|are|is|am|was|were|have|has|"
    r"had|can|could|would|will|should|shall|may|might|any|anything|got|ever|you|wanna|want|"
    r"need|is it|right)\b",
    re.I,
)
_TAG_QUESTION = re.compile(
    r",\s*(?:(?:and\s+)?(?:what|how)\s+about\s+you|right|you know|have you|do you|did you|"
    r"are you|is that|is it|is not it|what|how|can you|would you|will you|who|where|when|why|"
    r"any|ever|know what I mean)\b[^,]*\?\s*$",
    re.I,
)


def declarative_part(sentence: str) -> str | None:
    """The statement in a sentence: None for a question, the head of 'X, what about you?'."""
    s = sentence.strip()
    if not s.endswith("?"):
        return s
    if _QUESTION_START.match(s):
        return None
    m = _TAG_QUESTION.search(s)
    if m:
        return s[: m.start()].strip() or None
    # "I started my own store - pretty cool, huh?": a short tail after the last comma or dash
    # asks for a reaction; the statement before it stands.
    cut = max(s.rfind(", "), s.rfind(" - "))
    if cut > 0 and len(s[cut:].strip(" ,-").split()) <= 5 and not _QUESTION_START.match(s):
        return s[:cut].strip() or None
    return None


_GREETING = re.compile(
    r"^(?:(?:hi|hey|hello|heya|hiya|yo|good (?:morning|afternoon|evening|night)|morning|"
    r"thanks|thank you|thx|ty|cheers|bye|goodbye|see you|see ya|talk (?:to you )?soon|take care|"
    r"ok|okay|k|cool|nice|great|awesome|wow|lol|haha|hahaha|yes|yeah|yep|no|nope|sure|"
    r"congrats|congratulations|sounds good|sounds great|me too|same here|you too|"
    r"no problem|np|of course|absolutely|totally|definitely|agreed|exactly|true|right)\b[\s,!.?]*)+",
    re.I,
)


def is_small_talk(text: str) -> bool:
    """Greetings, thanks and one-word acknowledgements, with nothing after them."""
    t = text.strip()
    m = _GREETING.match(t)
    if not m:
        return False
    rest = t[m.end():].strip(" ,.!?")
    return not rest or len(rest.split()) <= 2


# Words after which a value has said what it needed to say. Cutting there keeps
# "moved to Berlin, Germany because my partner got a job there" down to the fact. A dash glued to
# a word ("California- a gorgeous sunset") ends the phrase after the word, never inside it.
_VALUE_STOP = re.compile(
    r"\s*(?:[;:!?()\[\]]|\.(?:\s|$)|\s-+\s|(?<=\w)-\s|,\s|\.\.\.|\s(?:because|since|though|although|but|"
    r"so that|so I|so we|which|who|whom|whose|what|while|whereas|until|unless|if|when|whenever|as soon as|where|that|"
    r"as I|as we|as it|as they|as she|as he|and I|and we|and it|and they|and he|and she|and then|"
    r"and that|and this|and now|and also|and so|and got|and had|and was|and is|and am|"
    r"and have|and has|and will|and would|and can|and really|and just|and my|or something|"
    r"or so|and stuff|and things|haha|lol)\b)",
    re.I,
)
_TRAILING_FILLER = re.compile(
    r"(?:\s+(?:not\s+so\s+long\s+ago|not\s+long\s+ago|a\s+while\s+(?:ago|back)|a\s+few\s+\w+\s+(?:ago|back)|"
    r"some\s+time\s+ago|the\s+other\s+day|a\s+bit\s+ago|back\s+then|ages\s+ago|years\s+ago|"
    r"too|as well|lately|recently|a lot|so much|now|again|anymore|any more|right now|more than ever|"
    r"these days|today|tonight|already|though|yet|soon|finally|at all|for real|haha|lol|before|earlier|"
    r"and|or|but|the|a|an|of|to|with|for|in|on|at|by|from|my|our|your|his|her|their|this|that|"
    r"some|really|just|very|so|such|about|into|like|there|here|together|ever|all|even|"
    r"currently|still|also|actually|definitely|totally|always|sometimes|usually|often|mostly))+$",
    re.I,
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:really|just|also|actually|totally|definitely|finally|recently|so|even|always|"
    r"still|absolutely|truly|honestly|pretty much|kind of|sort of|literally|"
    # "that" as a conjunction ("that I ..."), not as the demonstrative of "snapped that pic"
    r"that(?=\s+(?:I|we|he|she|they|it|you|my|our|the|a|an|there|this)\b))\s+)+",
    re.I,
)
_VAGUE_VALUES = frozenset(
    """it that this them him her you me us these those one ones something anything everything
    nothing stuff things thing everyone everybody someone somebody all both here there what how
    why fun home back out in up over around myself yourself life same""".split()
) | {
    "a lot", "so much", "a blast", "a great time", "a good time", "the idea", "my time", "the chance",
    "a chance", "the opportunity", "an opportunity", "it all", "that one", "this one", "the same",
    "a bit", "a little", "the most", "my best", "the best", "it so much", "that so much",
    "them so much", "you guys", "you all", "this stuff", "that stuff", "the vibe", "the vibes",
    "what you do", "my life", "a good day", "a great day", "a nice day", "a great week",
    "a good week", "a rough day", "a tough day", "a long day", "the time", "some time",
}
# A value that opens with a pronoun points elsewhere ("it", "what you said"). Demonstratives
# count only when they stand alone: "this yoga class" is a thing, "this is" is not.
_PRONOUN_HEAD = re.compile(
    r"^(?:it|them|him|her|you|your|yours|me|us|what|how|when|where|why|who|whatever|which|if|"
    r"whether|I|we|he|she|they|there|so|"
    r"(?:this|that|these|those)(?=\s*$|\s+(?:is|was|are|were|one|ones|stuff|thing|things|so|too|a\s+lot|very|really)\b))\b",
    re.I,
)
_MULTISPACE = re.compile(r"\s{2,}")


# For lists ("peanuts, tree nuts and shellfish") the comma is part of the value.
_LIST_STOP = re.compile(
    r"\s*(?:[;:!?()\[\]]|\.(?:\s|$)|\s-+\s|\.\.\.|,\s*(?:but|because|so|which|who|since|though|"
    r"although|and\s+(?:I|we|it|they|he|she|that|this))\b|\s(?:because|since|though|although|but|which|"
    r"while|when|whenever|and\s+(?:I|we|it|they|he|she|that|this|then|so)\b))",
    re.I,
)


_PHRASE_BOUNDARY = frozenset("""and or but to for with from of in on at by about into through between
that which who while because so as like including""".split())


# A last verb or preposition whose object is a pronoun points at something said elsewhere:
# "finished my first screenplay and printed it", "got some new beds for them". The part before it
# is the whole fact ("finished my first screenplay", "got some new beds"); what is left is then
# checked like any value (the gate still refuses "lost some", "had a blast").
# ("you" is not cut away: "got a surprise for you", "I'll get the video to you" are about the other
# person, and the rules refuse a value that names them.)
_POINTER = r"(?:it|them|this|that|these|those|him|her|one|me|us)"
_AND_VERB_POINTER = re.compile(rf"\s+and\s+(?:then\s+)?[a-z]+(?:\s+[a-z]+){{0,3}}?\s+{_POINTER}$")
_PREP_POINTER = re.compile(
    rf"\s+(?:for|with|through|to|about|from|into|by|at|on|in|without|after|around|near|behind|beside|like)\s+"
    rf"(?:(?:all|both|some|each|most|a\s+few|many)\s+(?:of\s+)?|(?:my|our|their|his|her|the)\s+(?:(?:last|first|next|other|old|new)\s+)?)?{_POINTER}$"
)
# Adjectives that take their own preposition: "someone close to them" cut to "someone close" is
# no longer the same thing.
_PREP_ADJECTIVES = frozenset("""close next similar due related according kind nice good mean grateful thankful
attached used devoted dedicated committed open new important special dear true loyal""".split())


# "tweaking a dessert recipe to make it yummier": a purpose clause whose object points back at the
# thing already named; the thing, with its verb, is the fact.
_PURPOSE_POINTER = re.compile(rf"\s+(?:in\s+order\s+)?to\s+(?:make|keep|help|get|let)\s+{_POINTER}\b[^,;]*$")
_NOT_BEFORE_PURPOSE = frozenset("how what where when why want wants wanted need needs needed going trying able way ways".split())


def _cut_pointer_tail(v: str) -> str:
    p = _PURPOSE_POINTER.search(v)
    if p:
        head = v[: p.start()].rstrip(" ,")
        if len(head.split()) >= 3 and head.split()[-1].lower() not in _NOT_BEFORE_PURPOSE:
            return head
    m = _AND_VERB_POINTER.search(v) or _PREP_POINTER.search(v)
    if not m:
        return v
    head = v[: m.start()].rstrip(" ,")
    words = head.split()
    if len(words) < 2 or words[-1].lower() in _PREP_ADJECTIVES:
        return v
    last = words[-1].lower()
    gerund_clause = last.endswith("ing") and words[-2].lower() in ("after", "before", "while", "by", "for", "from",
                                                                  "without", "about", "of", "in", "on", "at")
    if m.re is _PREP_POINTER and (gerund_clause or last in ("after", "before", "of", "to")):
        return v  # "created after sticking | with it": what is left is cut mid-clause too
    return head


def clean_value(raw: str, *, max_words: int = 10, cut: bool = True, as_list: bool = False) -> str | None:
    """A short memory value cut from `raw`, or None when nothing specific is left."""
    v = raw.strip()
    if cut:
        m = (_LIST_STOP if as_list else _VALUE_STOP).search(v)
        if m:
            v = v[: m.start()]
    v = v.strip(" ,.;:-'\"")
    v = _LEADING_FILLER.sub("", v)
    words = v.split()
    if len(words) > max_words:
        # Cut where a phrase ends (before "and", "to", "with"...), never mid-phrase: "a balance
        # between my personal life and professional" is a broken fact, "a balance between my
        # personal life" is not. No such place: nothing is written.
        words = words[:max_words + 1]
        cuts = [i for i in range(2, len(words)) if words[i].lower().strip(",") in _PHRASE_BOUNDARY
                or words[i - 1].endswith(",")]
        if not cuts:
            return None
        v = " ".join(words[:cuts[-1]])
        # "trying homemade sodas with natural sweeteners and experimenting | with ...": a second
        # doing cut from its object goes too.
        v = re.sub(r"\s+(?:and|or)\s+[a-z]+ing$", "", v)
        if words[cuts[-1]].lower() == "to":
            # "refine my wardrobe from casual attire | to smart-casual": a "from" without its "to"
            # says the opposite of the change; keep what comes before it.
            v = re.sub(r"\s+from\s+[^,]*$", "", v)
    prev = None
    while prev != v:
        prev = v
        v = _TRAILING_FILLER.sub("", v).strip(" ,.;:-'\"")
    v = _MULTISPACE.sub(" ", v)
    if re.search(r"(?:\b[A-Z]\.)+[A-Z]$", v) and v + "." in raw:
        v += "."  # "Fontaines D.C.": the last initial keeps its dot
    v = _cut_pointer_tail(v)
    if not v or v.lower() in _VAGUE_VALUES or _PRONOUN_HEAD.match(v):
        return None
    if not re.search(r"[A-Za-z]", v):
        return None
    return v


_VOWELS = "aeiou"


def gerund(verb: str) -> str:
    """'paint' -> 'painting', 'dance' -> 'dancing', 'swim' -> 'swimming', 'tie' -> 'tying'."""
    v = verb.lower()
    if v.endswith("ing") and len(v) > 5:
        return v
    if v.endswith("ie"):
        return v[:-2] + "ying"
    if v.endswith("e") and not v.endswith(("ee", "ye", "oe")) and len(v) > 2:
        return v[:-1] + "ing"
    # One-syllable consonant-vowel-consonant words double the last consonant: swim, run, jog.
    if (
        len(v) in (3, 4)
        and v[-1] not in _VOWELS + "wxy"
        and v[-2] in _VOWELS
        and v[-3] not in _VOWELS
        and sum(ch in _VOWELS for ch in v) == 1
    ):
        return v + v[-1] + "ing"
    return v + "ing"


_IE_PLURALS = frozenset(
    "movies cookies selfies zombies pies ties lies rookies brownies smoothies hippies indies goalies "
    "genies calories aussies techies foodies newbies".split()
)


def singular(noun: str) -> str:
    """'movies' -> 'movie', 'books' -> 'book', 'dishes' -> 'dish'; good enough for key names."""
    n = noun.lower()
    if n in _IE_PLURALS:
        return n[:-1]
    if n.endswith("ies") and len(n) > 4:
        return n[:-3] + "y"
    if n.endswith(("ches", "shes", "sses", "xes")):
        return n[:-2]
    if n.endswith("s") and not n.endswith(("ss", "us", "is")):
        return n[:-1]
    return n


def snake(text: str) -> str:
    """A snake_case key fragment: 'TV show' -> 'tv_show'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


_FIRST_TO_THIRD = [
    (re.compile(r"\bmy\b"), "their"),
    (re.compile(r"\bMy\b"), "Their"),
    (re.compile(r"\bmyself\b", re.I), "themselves"),
    (re.compile(r"\bmine\b", re.I), "theirs"),
    (re.compile(r"\bme\b(?!-)"), "them"),  # not "me-time"
    (re.compile(r"\bI\b"), "they"),
    (re.compile(r"\bour\b"), "their"),
    (re.compile(r"\bus\b"), "them"),
]


def third_person(value: str) -> str:
    """Rewrite the speaker's own words for a note about them: 'my store' -> 'their store'."""
    for rx, rep in _FIRST_TO_THIRD:
        value = rx.sub(rep, value)
    return value


# Words an assistant says of itself, pasted into the user's turn: nothing in such a turn is the
# user's own ("As an AI language model, I don't have preferences").
_ASSISTANT_VOICE = re.compile(
    r"\b(?:as\s+an?\s+(?:AI|artificial\s+intelligence)(?:\s+(?:language\s+)?model|\s+assistant|\s+chatbot)?\s*,|"
    r"as\s+an?\s+(?:large\s+)?language\s+model\b|"
    r"I\s+am\s+(?:just\s+|only\s+|merely\s+|simply\s+)?an?\s+(?:AI|artificial\s+intelligence|(?:large\s+)?language\s+model|"
    r"chatbot|virtual\s+assistant|AI\s+assistant|AI\s+model)\b|"
    r"trained\s+by\s+(?:OpenAI|Anthropic|Google|Meta)\b|my\s+(?:knowledge|training)(?:\s+data)?\s+cut-?off\b|"
    r"I\s+(?:do\s+not|can\s*not)\s+have\s+(?:personal\s+)?(?:feelings|preferences|opinions|experiences|emotions)\b)",
    re.I,
)


def is_assistant_voice(text: str) -> bool:
    """A normalised text in which an AI assistant speaks of itself."""
    # Every such text has one of these words; plain substring tests keep the common case cheap.
    low = text.lower()
    if not ("ai" in low or "intelligence" in low or "model" in low or "chatbot" in low or "assistant" in low
            or "trained" in low or "cut" in low or "have" in low):
        return False
    return bool(_ASSISTANT_VOICE.search(text))


# Markers that the speaker means the opposite of what they say: "I just love traffic /s",
# "Oh great, another Monday". Checked in stages: most turns contain none of the cue words.
_SARCASM_TAG = re.compile(r"(?:^|\s)/s\b")
_SARCASM_INTERJECTION = re.compile(
    # "Wow, great pic!" is sincere; "Oh great, another Monday" is not.
    r"\boh\s*,?\s+(?:great|joy|goody|fantastic|perfect|brilliant)\s*[,.!]+\s+(?:another|more|just|now|so|exactly|that\'?s\s+just)\b|"
    r"\boh\s*,?\s+joy\b|\byeah\s*,?\s+right\s*[,.!]",
    re.I,
)
_SARCASM_PHRASE = re.compile(r"#sarcasm|just\s+what\s+I\s+(?:needed|wanted)|\(not\)|said\s+no\s+one\s+ever", re.I)
_SARCASM_CUE = re.compile(r"\b(?:[Oo]h|[Yy]eah|OH|YEAH)\b")


def is_sarcastic(text: str) -> bool:
    """A turn that marks itself as sarcastic: its likes and dislikes are not to be believed."""
    if "/s" in text and _SARCASM_TAG.search(text):
        return True
    low = text.lower()
    if ("sarcasm" in low or "just what" in low or "(not)" in low or "no one ever" in low) and _SARCASM_PHRASE.search(text):
        return True
    return ("oh" in low or "yeah" in low) and bool(_SARCASM_CUE.search(text)) and bool(_SARCASM_INTERJECTION.search(text))
