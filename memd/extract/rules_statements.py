"""Sentences whose subject is an attribute of the speaker's or of someone they name: "my favorite
book is Dune", "my birthday is May 3", "My job title is Senior Engineer", "my daughter's wedding
is in August", "Gluten makes me sick". They are read whole here, before the sentence is cut into
clauses (rules_clauses.py), because their subject is no person the predicate rules understand.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from memd.extract import rules_lexicon as lex
from memd.extract.rules_dates import best_time, birth_date_from_age, find_times
from memd.extract.rules_persona import persona_statement  # also registers its predicate rules
from memd.extract.rules_values import value_statement
from memd.extract.patterns.fragments import MARKERS
from memd.extract.patterns import (
    APPOINTMENTS,
    FOODS,
    JOB,
    LANG_ALT,
    LOC,
    NAME,
    REL_ALL,
    REL_MODS,
    SELF,
    Clause,
    Env,
    Fact,
    Subject,
    clean_org,
    clean_place,
    dated,
    liked_items,
    object_value,
    split_list,
    valid_name,
    vp_value,
    when,
)
from memd.extract.rules_text import (
    clean_value,
    singular,
    snake,
)


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
    mk = MARKERS.match(text, pos)
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


