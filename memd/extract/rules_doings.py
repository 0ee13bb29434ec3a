"""What people are busy with, get ready for and do regularly: predicate rules for the rules backend.

People tell a friend what they do in forms the general rules (memd/extract/patterns/) leave out:

    "I'm busy taking care of my pets"               activities: taking care of my pets
    "I'm getting ready for a dance comp next month" plans: 2023-06: getting ready for a dance comp
    "I've been getting into cooking more"           activities: getting into cooking
    "I'm running for office again"                  activities: running for office
    "I do physical therapy exercises every day"     activities: do physical therapy exercises every day
    "We went camping last weekend"                  event: 2023-05: went camping
    "Yesterday I chose to go to networking events"  event: 2023-05-07: chose to go to networking events

Each handler keeps a value only when it names a thing (the value gate then checks it like any
other); pronoun objects ("I'm busy doing it"), durations ("I'm busy for a week") and errands give
nothing. Registered with patterns.core's `rule` (after the general rules, so a general rule that
reads the clause wins); imported by rules_clauses so the rules exist before any sentence is read.
"""

from __future__ import annotations

import re

from memd.extract.patterns import ADV, HAVE, Clause, Fact, _f, dated, rule, value_of, when

_PRONOUN_OBJECT = re.compile(r"(?:it|them|this|that|something|anything|everything|stuff|things)\b", re.I)
_MORE = re.compile(r"\s+(?:more|a\s+lot|lately|recently|these\s+days|again|too)$", re.I)


def _phrase(verb: str, rest: str, cl: Clause, tense: str = "any", max_words: int = 8) -> str | None:
    if _PRONOUN_OBJECT.match(rest.strip()):
        return None
    v = value_of(rest, cl, tense, max_words=max_words)
    if not v:
        return None
    v = _MORE.sub("", v).strip()
    return f"{verb} {v}" if v else None


# "I'm busy taking care of my pets", "she's been busy renovating the kitchen".
@rule(rf"(?:am|is|are|{HAVE}\s+been|(?:was|were))\s+{ADV}(?:(?:so|super|really|very|pretty)\s+)?busy\s+"
      r"(?P<verb>[a-z]{3,}ing(?:\s+(?:care\s+of|up|out|on|for|with))?)\s+(?P<val>[^;!?]+)")
def busy_doing(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = re.sub(r"\s+", " ", m.group("verb"))
    if verb.split()[0] in ("doing", "being", "getting", "thinking", "feeling", "trying", "dealing", "having"):
        return None  # "busy doing stuff", "busy dealing with it": no pursuit named
    v = _phrase(verb, m.group("val"), cl)
    return _f(cl, "activities", v, ("activity",)) if v else None


# "I'm getting ready for a dance comp next month", "we're gearing up for the move".
@rule(rf"(?:am|is|are|{HAVE}\s+been)\s+{ADV}(?P<verb>getting\s+ready|gearing\s+up|prepping|getting\s+prepared)\s+for\s+(?P<val>[^;!?]+)")
def getting_ready(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    rest = m.group("val")
    if not re.match(r"(?:a|an|the|my|our|his|her|their|[A-Z])", rest.strip()):
        return None  # "getting ready for bed", "prepping for it"
    t = when(cl, "future")
    v = _phrase(re.sub(r"\s+", " ", m.group("verb")) + " for", rest, cl, "future")
    if not v:
        return None
    if t is not None and t.value:
        return _f(cl, "plans", dated(v, t), ("plan",))
    return _f(cl, "activities", v, ("activity",))


# "I've been getting into cooking", "I got really into bouldering last year". Tried before the
# general rules (first=True), so that "we got into an accident" or "I got into trouble" is read
# here as no pursuit at all rather than as something liked.
_NOT_INTO = re.compile(
    r"(?:trouble|a\s+fight|an?\s+(?:argument|accident|crash|car\s+accident|mess)|the\s+(?:accident|crash|car|habit|details?|"
    r"mess|water|pool|house|room|building|game|final|finals|semi-?finals?|program|programme|school|college|university)|"
    r"a\s+(?:routine|car|cab|taxi|program|programme|school|college|university|fight)|debt|it|that|this|them|gear|details?|"
    r"bed|character|position|shape)\b", re.I)


@rule(rf"(?P<verb>(?:am|is|are|{HAVE}\s+been)\s+{ADV}getting|got|{HAVE}\s+{ADV}gotten)\s+(?:really\s+|more\s+|super\s+|big\s+|so\s+)?"
      rf"into\s+(?P<val>[^;!?]+)", first=True)
def getting_into(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    rest = m.group("val").strip()
    if _NOT_INTO.match(rest) or (rest[:1].isupper() and not m.group("verb").endswith("getting")):
        # "got into trouble", "got into the accident", "got into Stanford": no pursuit ("got into
        # Radiohead" is lost with them: a school is the likelier reading, and no line beats a wrong one)
        return []
    if not m.group("verb").endswith("getting"):
        return None  # "I got into jazz in college": the general rules read the liking
    v = _phrase("getting into", rest, cl, max_words=5)
    return _f(cl, "activities", v, ("activity", "hobby")) if v else None


# "I'm running for office again", "she is running for city council".
@rule(rf"(?:am|is|are|{HAVE}\s+been)\s+{ADV}running\s+for\s+(?P<office>(?:re-?election|office|mayor|president|governor|"
      r"senate|congress|parliament|(?:city|town|county|student|school|parish)\s+(?:council|board|president)|school\s+board))\b")
def running_for(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    return _f(cl, "activities", f"running for {m.group('office')}", ("activity",))


_EVERY = (r"(?:every|each)\s+(?:single\s+)?(?:day|morning|evening|night|week|weekend|month|Monday|Tuesday|Wednesday|"
          r"Thursday|Friday|Saturday|Sunday)|once\s+a\s+(?:day|week|month)|(?:twice|three\s+times|four\s+times)\s+a\s+"
          r"(?:day|week|month)|daily|weekly")


# "I do physical therapy exercises every day", "we play tennis twice a week": a habit, said with
# how often. Without the frequency the same words are too often a one-off.
@rule(rf"(?P<verb>do|does|practi[sc]e|practi[sc]es|play|plays|attend|attends|take|takes|go\s+to|goes\s+to|"
      rf"volunteer|volunteers|teach|teaches|visit|visits|walk|walks|run|runs|swim|swims|train|trains|cook|cooks|bake|bakes|"
      rf"meditate|meditates|journal|journals|write|writes|read|reads|paint|paints)\s+(?P<val>[^;!?]{{0,60}}?)"
      rf"\s*(?P<often>{_EVERY})\b")
def habit(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    rest = m.group("val").strip(" ,")
    verb = m.group("verb")
    if rest and (_PRONOUN_OBJECT.match(rest) or re.search(r"\byou(?:r)?\b", rest, re.I)):
        return None
    if not rest and verb in ("do", "does", "take", "takes", "go to", "goes to", "attend", "attends", "visit", "visits",
                             "play", "plays", "practise", "practice", "practises", "practices"):
        return None  # "I do it every day": what is done is elsewhere
    v = value_of(rest, cl, max_words=8) if rest else ""
    if rest and not v:
        return None
    phrase = " ".join(x for x in (verb, v, m.group("often")) if x)
    return _f(cl, "activities", phrase, ("activity", "habit"))


_OUTDOOR = (r"camping|hiking|fishing|skiing|shopping|swimming|surfing|sailing|kayaking|canoeing|biking|cycling|climbing|"
            r"bouldering|bowling|dancing|skating|snowboarding|jogging|horseback\s+riding|rock\s+climbing|birdwatching|"
            r"bird\s+watching|caving|diving|snorkeling|snorkelling|scuba\s+diving|paddleboarding|apple\s+picking|"
            r"berry\s+picking|ice\s+skating|roller\s+skating|clubbing|sightseeing|backpacking|trekking|hunting|"
            r"stargazing|tubing|rafting|white\s+water\s+rafting|paragliding|skydiving|sledding|golfing|antiquing")


# "We went camping last weekend", "I went hiking with my dog": the general event rule needs three
# words after "went" (to refuse "went out"); an outdoor pursuit is a whole event in two.
@rule(rf"(?:went|{HAVE}\s+{ADV}gone)\s+(?P<what>{_OUTDOOR})\b(?P<val>[^;!?]*)")
def went_doing(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    what = re.sub(r"\s+", " ", m.group("what"))
    rest = m.group("val").strip()
    extra = None
    if re.match(r"(?:with|in|at|on|near|around|along|through|to)\s+(?!(?:it|them|this|that|you|your)\b)", rest):
        extra = value_of(rest, cl, "past", max_words=6)
    phrase = f"went {what}" + (f" {extra}" if extra and not re.search(r"\byou(?:r)?\b", extra, re.I) else "")
    return _f(cl, "event", dated(phrase, when(cl, "past")), ("event",))


# "Yesterday I chose to go to networking events", "we opted to rent a cabin".
@rule(r"(?P<verb>chose|opted|elected)\s+to\s+(?P<val>[^;!?]+)")
def chose_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    rest = m.group("val")
    v = value_of(rest, cl, "past", max_words=9)
    if not v or len(v.split()) < 2 or re.search(r"\byou(?:r)?\b", v, re.I) or _PRONOUN_OBJECT.search(v.split()[-1]):
        return None
    return _f(cl, "event", dated(f"{m.group('verb')} to {v}", when(cl, "past")), ("event",))


_HABIT_VERBS = ("watch|write|make|bake|cook|paint|draw|build|knit|sew|grow|collect|read|go\\s+to|attend|visit|listen\\s+to|"
                "host|organi[sz]e|sing|study|coach|mentor|tutor|ride|brew|craft|sculpt|design|restore|film|photograph|"
                "blog|vlog|stream|record|compose|perform|donate\\s+to")
_HABIT_VERBS_S = "|".join(v.replace("\\s+", "s\\s+", 1) if "\\s+" in v else (v + "es" if v.endswith(("sh", "ch", "ss", "o")) else v + "s")
                          for v in _HABIT_VERBS.replace("organi[sz]e", "organize").split("|"))
# Objects that are conversation moves or routine, not pursuits: "make sure", "go to bed", "watch out".
_NOT_A_PURSUIT = re.compile(
    r"(?:sure|up|out|over|it|them|this|that|these|those|something|anything|stuff|things|you|your|bed|sleep|work|school|"
    r"the\s+(?:bathroom|toilet|store|doctor)|a\s+lot|more|what|how|when|why|where)\b", re.I)


_HABITUAL = re.compile(r"\b(?:usually|always|often|regularly|sometimes|normally|typically|generally|occasionally|still)\b")
_OFTEN = re.compile(rf"\b(?:on\s+(?:the\s+)?(?:weekends?|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days)|{_EVERY}|"
                    r"during\s+the\s+(?:holidays|summer|winter|week|weekends?)|in\s+the\s+(?:mornings|evenings)|"
                    r"at\s+night|after\s+work|most\s+(?:days|weekends|nights|mornings)|all\s+the\s+time|"
                    r"every\s+(?:other|couple\s+of|few)\s+\w+)\b")


# "I usually write poems about nature", "she bakes sourdough every Saturday", "we go to church on
# Sundays": the simple present of a verb of making or doing, with what is made or done and a word
# that makes it a habit, is what the person does (after the general rules, which read hobbies,
# likes and work the same way).
@rule(rf"(?P<verb>{_HABIT_VERBS}|{_HABIT_VERBS_S})\s+(?P<val>[^;!?]+)")
def present_habit(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    rest = m.group("val").strip()
    if _NOT_A_PURSUIT.match(rest) or cl.reported:
        return None
    # Only with a word that says it is a habit ("usually", "on Fridays", "during the holidays"):
    # the bare present is as often a verb after "and" or "to" in someone else's sentence.
    if not (_HABITUAL.search(m.string, 0, m.start()) or _OFTEN.search(rest)):
        return None
    verb = re.sub(r"\s+", " ", m.group("verb"))
    v = value_of(rest, cl, max_words=8)
    if not v or _NOT_A_PURSUIT.match(v) or re.search(r"\byou(?:r)?\b", v, re.I):
        return None
    if len(v.split()) < 2 and not (v[:1].isupper() or v.endswith("s") or v.endswith("ing")):
        return None  # "I paint too", "I read a", not "I write poems", "I visit Lisbon"
    return _f(cl, "activities", f"{verb} {v}", ("activity", "habit"))


# "I'm trying to do more yoga and meditation", "I'm trying to add workouts into my schedule": an
# effort under way is something the person does, when what they try names a concrete change. A
# value the gate would call an intention with no outcome ("trying to stay positive", "trying to find
# a way to juggle it all", "trying to get my head around it") gives nothing.
@rule(rf"(?:am|is|are|{HAVE}\s+been)\s+{ADV}trying\s+(?:hard\s+|really\s+hard\s+)?to\s+(?P<val>[^;!?]+)")
def trying_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    from memd.extract.value_intent import vague_intent

    v = value_of(m.group("val"), cl, "any", max_words=9)
    if not v or re.search(r"\byou(?:r)?\b", v, re.I) or _PRONOUN_OBJECT.search(" ".join(v.split()[1:3])):
        return []
    v = re.sub(r"\s+(?:myself|ourselves|themselves|himself|herself)\b.*$", "", v)  # "... myself to help relax"
    more = re.match(r"(?:do|get|eat|read|cook|play|practi[sc]e)\s+more\s+(?P<what>[a-z][\w\s'-]+)$", v)
    if more and not _PRONOUN_OBJECT.match(more.group("what")):
        return _f(cl, "activities", f"trying to {v}", ("activity",))  # "do more yoga and meditation"
    if vague_intent(v) or v.split()[0].lower() in _NOT_A_TRY or len(v.split()) < 2:
        return []
    return _f(cl, "activities", f"trying to {v}", ("activity",))


# Heads of an effort that is a state of mind or a figure of speech, not a doing.
_NOT_A_TRY = frozenset("""stay be keep get find figure make understand remember focus balance juggle cope deal
hold manage process accept remain think feel see""".split())


# "I usually take public transport", "we normally hit the beach on Sundays": a verb said with a word
# that makes it a habit is what the person does, whatever the verb, once the verbs of thought,
# feeling and talk are left out (present_habit above reads the verbs of making without that word).
_USUAL = re.compile(r"\b(?:usually|normally|typically|regularly|often|generally)\s+$")
_NOT_A_HABIT_VERB = frozenset("""get gets feel feels think thinks know knows say says tell tells talk talks try tries want
wants need needs like likes love loves hate hates wonder wonders forget forgets remember remembers end ends
find finds do does go goes have has make makes see sees hear hears let lets keep keeps be am is are come
comes""".split())


@rule(r"(?P<verb>[a-z]{3,})\s+(?P<val>[^;!?]+)")
def usual_doing(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = m.group("verb")
    if verb in _NOT_A_HABIT_VERB or verb.endswith(("ed", "ing")) or cl.reported:
        return None
    if not _USUAL.search(m.string, max(0, m.start() - 20), m.start()):
        return None
    rest = m.group("val").strip()
    if _PRONOUN_OBJECT.match(rest) or re.match(r"(?:to|out|up|off|by|over|around|back|home|there|here)\b", rest):
        return None
    v = value_of(rest, cl, max_words=7)
    if not v or len(v.split()) < 2 or re.search(r"\byou(?:r)?\b", v, re.I) or _PRONOUN_OBJECT.search(v.split()[-1]):
        return None
    return _f(cl, "activities", f"usually {verb} {v}", ("activity", "habit"))
