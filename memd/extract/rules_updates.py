"""Statements that change a fact: corrections, switches, promotions, "no longer X, now Y".

    "my favorite food is actually Paella, not Feijoada"         favorite_food: Paella   (was Feijoada)
    "my specialization has shifted from A to B"                 specialization: B       (was A)
    "I've been promoted from Corporal to Sergeant"              role: Sergeant          (was Corporal)
    "I quit Google last week and joined Stripe"                 employer: Stripe        (was Google)
    "I'm no longer supervising Dr. Patel, now I supervise Dr. Chen"   supervises: Dr. Chen (was Dr. Patel)
    "I now work at Charité" / "I started as a nurse at Charité"  employer: Charité (, job_title: nurse)
    "employer: Acme → Globex"                                   employer: Globex        (was Acme)
    "I just turned 32", "my 3 children"                         age: 32, number_of_children: 3

Every fact here carries the update tags of memd/extract/conventions.py: "update", "replaces:<old>"
when the old value was said, "as_of:<date>" with the statement's date. The key is the user's own
words where they gave one ("my favorite space meal" -> favorite_space_meal); the apply step then
finds the line that holds the old value or a key that means the same, in whatever layout the
memory uses, and changes it in place. Where the key is only guessed from a verb ("no longer
maintaining X"), the item also carries "only_if_held": it changes a line that holds X, or nothing.

Other readings live beside this module: work changes and values said in passing
(update_stated.py, imported where used: it builds on the helpers here), more outright forms
(update_explicit.py), implied changes of keys memory holds (update_implied.py) and the second
hop (update_others.py); rules_merge.py decides which of them a sentence gets.
"""

from __future__ import annotations

import re

from memd.extract.rules_dates import best_time, find_times
from memd.extract.patterns import JOB, NAME, SELF, Env, Fact, Subject
from memd.extract.rules_text import declarative_part
from memd.extract.update_explicit import explicit_facts
from memd.extract.conventions import AS_OF_PREFIX, CORRECTION_TAG, ONLY_IF_HELD, REPLACES_PREFIX, UPDATE_TAG

# A value: a run of words up to a clause boundary.
_VAL = r"[^,;!?]+?"
_PERIOD = r"(?<!Dr)(?<!Mr)(?<!Ms)(?<!Mrs)(?<!St)(?<!Jr)(?<!Sr)(?<!Lt)(?<!Sgt)\s*\."
_END = (r"(?=\s+(?:as\s+(?:I|we|he|she|they|it|you|my|our|currently|it\s+is|is|was|previously|listed|shown|recorded|stated)|that\s+(?:is|was)\s+(?:currently|listed)|that\s+(?:I|we|you|he|she|they|it)\b|"
        r"over\s+the|since|due\s+to|because|after|starting|recently|for\s+(?:my|our|his|her|their|better|more)|last\s+\w+|this\s+\w+|and\s+(?:I|need|want|would|now|then|consider|call)|so|"
        r"which|where|who|whose|specializing|specialising|focusing|focused|in\s+(?:the|my|your)\s+(?:system|records?|profile|file)|"
        r"instead|anymore|any\s+more|now|lately|these\s+days|today|this\s+year)\b|\s+[-–—]+\s+(?=[a-z]|I\b)|\s*[,;!?]|" + _PERIOD + r"|\s*$)")
_OWNER = rf"(?:(?P<my>[Mm]y)|(?P<oname>{NAME})'s)"
_KEY = r"(?P<k>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,3}?)"
_DET = r"(?:(?:the|a|an|my|our|being\s+(?:a|an|the))\s+)?"

_CORRECTION = re.compile(
    rf"{_OWNER}\s+(?:current\s+)?{_KEY}\s+(?:(?:is|are|was|were)\s+(?:actually|really|in\s+fact|now)|"
    rf"should\s+(?:be|read)(?:\s+(?:listed|recorded|shown|updated|changed|set))?(?:\s+(?:as|to))?|(?:is|are)(?=\s+[^,;]+,?\s+not\s))\s+"
    rf"(?:actually\s+)?{_DET}(?P<new>{_VAL}),?\s+(?:and\s+)?(?:not|rather\s+than|instead\s+of)\s+(?:just\s+)?{_DET}(?P<old>{_VAL}){_END}"
)
_CORRECTION_NOT_FIRST = re.compile(
    rf"{_OWNER}\s+{_KEY}\s+(?:is|are)\s+not\s+{_DET}(?P<old>{_VAL})(?:\s+any\s*more)?,?\s+(?:it|they)\s+(?:is|are)\s+"
    rf"(?:actually\s+|now\s+|really\s+)*{_DET}(?P<new>{_VAL}){_END}"
)
_CHANGE_VERBS = (r"(?:shifted|changed|moved|switched|gone|went|transitioned|promoted|updated|transferred|upgraded|reassigned|"
                 r"progressed|evolved|been\s+moved|been\s+promoted|been\s+transferred|been\s+switched|been\s+changed|"
                 r"been\s+updated|changed\s+over)")
_CHANGE = re.compile(
    rf"(?:{_OWNER}\s+(?:(?:main|current|area\s+of)\s+)?{_KEY}\s+(?:(?:has|have|had|should|must|needs?\s+to|is|was|got)\s+)?(?:be\s+|been\s+)?"
    rf"|(?P<i>I|[Ww]e)\s+(?:have\s+|had\s+|just\s+|recently\s+|also\s+|actually\s+)*(?:been\s+)?(?:officially\s+)?|"
    rf"(?P<it>it|this|that)\s+(?:should|needs?\s+to|has\s+to|must)\s+be\s+)"
    rf"{_CHANGE_VERBS}\s+(?:[a-z]+ly\s+)?(?:it\s+|this\s+|over\s+|away\s+|up\s+)?from\s+{_DET}(?P<old>{_VAL})\s+(?:to|into)\s+"
    rf"(?:become\s+|be\s+)?{_DET}(?:new\s+)?(?P<new>{_VAL}){_END}"
)
# "My address is now 12 Main St", "I just moved to Lisbon": a new value, the old one not said.
_IS_NOW = re.compile(rf"{_OWNER}\s+(?:new\s+)?{_KEY}\s+(?:is|are)\s+now\s+{_DET}(?P<new>{_VAL}){_END}")
_MOVED_TO = re.compile(r"\bI\s+(?:have\s+)?(?:(?:just|recently|finally|now)\s+)*(?:moved|relocated)\s+to\s+(?P<new>[A-Z][\w'’.-]*(?:,?\s+[A-Z][\w'’.-]*){0,3})")
# "update my age in the system", "correct my last name": names the key the rest of the sentence changes.
# "I'm actually Ukrainian, not Russian", "I actually speak A, B and C, not just A and B".
_SELF_CORRECTION = re.compile(
    r"\bI\s+(?:(?:am|have|had|was|were|do|did)\s+)?(?:(?:actually|really|in\s+fact|recently|now|also)\s+)+(?:been\s+)?"
    rf"(?!(?:do|did|does|can|could|would|will|should|have|had|am|was)\s+not\b)(?P<new>[^;!?]+?)"
    r"(?:,\s+(?:and\s+)?not\s+(?:just\s+|only\s+)?|\s+not\s+(?:just|only)\s+|,?\s+(?:rather\s+than|instead\s+of)\s+)"
    rf"(?:from\s+)?{_DET}(?P<old>{_VAL}){_END}"
    rf"|\bI\s+(?:have|had)\s+(?:recently\s+|just\s+)?(?P<new2>(?:obtained|earned|completed|received|got|gotten|finished)\s+[^,;!?]+?),\s+"
    rf"(?:and\s+)?not\s+(?:just\s+|only\s+)?{_DET}(?P<old2>{_VAL}){_END}"
)
# "Actually it's Braga, not Porto.", "Sorry, I meant Linz, not Graz." (a name or one word after
# "I meant": "I mean we moved to Chicago, not Boston" is a clause, read by the other rules)
_ITS = re.compile(
    r"\bI\s+(?:meant|mean)\s+(?P<new2>[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*){0,3}|[a-z]+(?:-[a-z]+)?),\s+not\s+"
    rf"{_DET}(?P<old2>{_VAL}){_END}|"
    rf"\b(?:[Aa]ctually,?\s+)?(?:it|that)\s+(?:is|was)\s+(?:actually\s+)?(?P<new>(?:[\w'’.&-]+\s+){{0,4}}?[\w'’.&-]+),\s+not\s+{_DET}(?P<old>{_VAL}){_END}"
)
# "I've moved on from astronomy and now I'm really into urban beekeeping".
_MOVED_ON = re.compile(
    r"\bI\s+(?:have\s+|had\s+)?(?:(?:actually|recently|finally|just)\s+)*(?:moved\s+on|moved\s+away|stepped\s+away|turned\s+away|"
    rf"switched|gone|transitioned|shifted)\s+from\s+{_DET}(?P<old>{_VAL})\s*,?\s+(?:and\s+)?(?:I\s+am\s+|am\s+|I\s+have\s+|have\s+|I\s+)?"
    r"(?:now\s+)?(?:I\s+am\s+)?(?:(?:really|totally|very|so|fully)\s+)*(?:into|(?:all\s+)?about|passionate\s+about|focused\s+on|focusing\s+on|"
    rf"obsessed\s+with|taken\s+up|picked\s+up|gotten\s+into|got\s+into|doing|enjoying)\s+{_DET}(?P<new>{_VAL}){_END}"
    # "moved from Seattle, WA and now call Portland, Oregon my home"
    r"|\bI\s+(?:have\s+)?(?:(?:actually|recently|finally|just)\s+)*moved\s+(?:[a-z]+ly\s+)?from\s+(?P<old2>[^;!?]+?)\s+and\s+(?:now\s+)?"
    r"(?:call|consider)\s+(?P<new2>[^;!?]+?)\s+(?:my\s+)?home\b"
)
# "I've obtained X, which has replaced my previous Y".
_WHICH_REPLACES = re.compile(
    rf"\bI\s+(?:have\s+|had\s+)?(?:(?:recently|just|finally|now)\s+)*(?:obtained|earned|completed|received|got|gotten|started|taken\s+up|switched\s+to|adopted)\s+"
    rf"{_DET}(?P<new>{_VAL}),?\s+which\s+(?:has\s+|should\s+|will\s+|now\s+)?(?:replaced?|replaces|superseded?|supersedes)\s+"
    rf"(?:my\s+|the\s+)?(?:previous\s+|old\s+|former\s+|earlier\s+)?(?P<old>{_VAL}){_END}"
)
# "taken up rock climbing ... and no longer have time for guitar": the new value comes first.
_TAKEN_UP_BEFORE = re.compile(
    rf"\b(?:taken\s+up|picked\s+up|gotten\s+into|got\s+into|started)\s+{_DET}(?P<new>{_VAL}){_END}"
)
_KEY_HINT = re.compile(
    r"\b(?:update|correct|change|fix|edit|amend)\s+(?:the\s+)?(?:my\s+)?(?P<k>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?)"
    r"(?=\s+(?:information|info|records?|details|entry|listing|status|data|in\b|on\b|from\b|to\b|for\b|so\b)|\s*[-,:;.]|\s*$)",
)
_PROPER = r"[A-Z0-9][\w'’.&-]*(?:\s+(?:of|and|&|the|de|da|[A-Z0-9][\w'’.&()-]*))*"
_NO_LONGER = re.compile(
    r"\bI\s+(?:am\s+|have\s+)?no\s+longer\s+(?:(?P<verb>[a-z][a-z-]*)\s+)?(?:(?P<prep>as|with|for|at|on|in|from|to|of)\s+)?"
    rf"{_DET}(?!(?:and|but|or|as|so|then)\b)(?P<old>{_PROPER}|{_VAL})(?=\s+(?:but|and|as|because|since|so|crew|team|anymore|any\s+more|for\s+\w+ing|instead|now)\b|\s+-|\s*[,;!?]|{_PERIOD}|\s*$)"
)
_NOT_ANYMORE = re.compile(
    r"\bI\s+(?:do\s+not\s+(?P<verb>work|live|study|teach|volunteer)\s+(?P<prep>at|for|in|with)|am\s+not)\s+"
    rf"{_DET}(?P<old>{_VAL})\s+any\s*more\b"
)
_NEW_AFTER = re.compile(
    r"\b(?:promoted|transitioned|switched|moved|transferred|reassigned|assigned|changed|gone|went)\s+(?:over\s+|on\s+)?(?:to|into)\s+"
    r"(?:become\s+|becoming\s+|be\s+|being\s+)?(?:(?:a|an|the|new)\s+)*(?:(?P<verb>[a-z]+ing|[a-z]+(?<!the))\s+(?:(?:with|for|at|on|to)\s+)?(?:(?:the|a|an)\s+)?(?:new\s+)?)?"
    rf"(?P<new>[A-Z][^,;!?]*?){_END}"
    r"|\b(?:now|instead)\s+(?:I\s+am\s+|am\s+|I\s+)?(?:(?P<verb2>[a-z][a-z-]*)\s+(?:(?:with|for|at|on|to)\s+)?)?(?:(?:the|a|an|new)\s+)*"
    rf"(?P<new2>[A-Z][^,;!?]*?){_END}"
    r"|\b(?:started|begun|began)\s+(?:(?P<verb3>[a-z]+ing)\s+)?(?:(?:with|for|at|on|to)\s+)?(?:(?:the|a|an|new)\s+)*"
    rf"(?P<new3>[A-Z][^,;!?]*?){_END}"
    r"|\b(?:obtained|earned|got|received|taken\s+command\s+of|taken\s+over(?:\s+[a-z]+\s+of)?|joined|hired)\s+(?:my\s+|the\s+|a\s+|an\s+)?(?:new\s+)?"
    rf"(?P<new4>[A-Z][^,;!?]*?){_END}"
    rf"|\b[Mm]y\s+new\s+(?:[a-z]+\s+){{0,3}}?(?:is|are)\s+(?:the\s+|a\s+|an\s+)?(?P<new5>[A-Z][^,;!?]*?){_END}"
    r"|\b(?:(?:promoted|transitioned|switched|moved|transferred|changed|gone)\s+(?:over\s+|on\s+)?(?:to|into)\s+"
    r"(?:become|becoming|be|being|working\s+as)|(?:re-?trained|requalified|qualified|started|now\s+work|work|working)\s+as)"
    rf"\s+(?:a|an)\s+(?P<newj>[a-z][a-z -]*?){_END}"
)
_BUT_DOING = re.compile(
    r"^[^.;!?]*?\bbut\s+(?:I\s+)?(?:have\s+|am\s+|'ve\s+)?(?:been\s+)?(?:[a-z]+ly\s+)?(?P<verb>[a-z]+ing)\s+(?:with|for|at|to|on|in)?\s*"
    r"(?:the\s+)?(?P<new>[A-Z][\w'’.&-]*(?:\s+(?:of|de|the|and|[A-Z0-9][\w'’.&-]*))*)"
)
_INSTEAD = re.compile(r"(?:the\s+|a\s+|an\s+)?(?P<new>[A-Z][\w'.&-]*(?:\s+(?:of|de|da|the|for|and|[A-Z0-9][\w'.&-]*))*)\s+instead\b")
_ARROW = re.compile(
    rf"(?:(?P<my>[Mm]y)\s+)?(?P<k>[A-Za-z][\w ]{{0,30}}?)\s*:?\s+(?:from\s+)?(?P<old>[^:→>]{{1,60}}?)\s*(?:→|->|=>|⇒)\s*(?P<new>[^,;!?]{{1,60}}?)\s*$"
)
# "I was a teacher for ten years before becoming a lawyer".
_BEFORE_BECOMING = re.compile(
    rf"\bI\s+was\s+(?:a|an)\s+(?P<old>{JOB})(?:\s+[^,;.!?]*?)?,?\s+before\s+(?:becoming|I\s+became|turning\s+into)\s+(?:a|an)\s+(?P<new>{JOB})"
)
_KEY_WORDS = {"role": "job_title", "job": "job_title", "position": "job_title", "title": "job_title",
              "responsibilities": "job_title", "hobby": "hobbies", "schedule": "shift", "specialization": "specialty"}
# Verbs whose object is what a relation line links to ("- **Supervises**: [[dr._raj_patel.md]]").
_VERB_KEYS = {"working": "works_with", "work": "works_at", "serving": "job_title", "live": "living_location",
              "living": "living_location", "study": "school", "studying": "school", "teach": "employer",
              "volunteer": "volunteers_at", "volunteering": "volunteers_at", "running": "operates"}
_FILLER_KEYS = frozenset({"profile", "information", "info", "records", "record", "system", "details", "data",
                          "file", "account", "entry", "own", "current", "personal"})
_LEAD = re.compile(r"^(?:(?:actually|really|just|now|currently|also|officially|then|being)\s+)+", re.I)


def _clean(v: str | None) -> str | None:
    if not v:
        return None
    v = _LEAD.sub("", v.strip()).strip(" .,:;'\"")
    v = re.sub(r"^(?:[a-z]+ing\s+)?(?:(?:the|a|an|my|our)\s+)?(?:new\s+)?(?=[A-Z0-9])", "", v)
    v = re.sub(r"^(?:the|a|an|my|our)\s+", "", v, flags=re.I)
    v = re.sub(r"\s+(?:now|instead|anymore|any\s+more|as\s+well|too|crew|team)$", "", v, flags=re.I).strip()
    if not v or len(v) > 80 or len(v.split()) > 10:
        return None
    if v.lower() in ("it", "that", "this", "them", "him", "her", "there", "here", "one", "something", "someone"):
        return None
    return v


def _key(words: str | None) -> str | None:
    if not words:
        return None
    k = re.sub(r"[\s-]+", "_", words.strip().lower())
    k = re.sub(r"^(?:area_of_|field_of_|main_|current_)", "", k) if k not in ("area_of_expertise",) else k
    if not k or k in _FILLER_KEYS or k.split("_")[0] in _FILLER_KEYS:
        return None
    return _KEY_WORDS.get(k, k)


def _verb_key(verb: str | None, prep: str | None) -> str | None:
    """'supervising' -> supervises, 'maintaining' -> maintains: a relation line's key, guessed."""
    if not verb:
        return None
    v = verb.lower()
    if prep == "as" and v in ("working", "serving", "employed", "acting", "operating"):
        return "job_title"
    if v in _VERB_KEYS:
        return _VERB_KEYS[v]
    if v in ("am", "is", "a", "an", "the", "have", "doing", "being", "in", "on"):
        return None
    if v.endswith("ing") and len(v) > 5:
        stem = v[:-3]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
            stem = stem[:-1]  # running -> run
        elif stem.endswith(("at", "iz", "ag", "ur", "ac", "uc", "ar", "rv", "v", "ut", "ib", "ud", "id", "os", "us")) or (
                stem.endswith("in") and not stem.endswith("ain")):
            stem += "e"  # operating -> operate, serving -> serve
        return (stem + ("es" if stem.endswith(("s", "sh", "ch", "x")) else "s")) + (f"_{prep}" if prep in ("with", "for", "at") else "")
    if re.fullmatch(r"(?:co-)?[a-z]{3,}", v) and not v.endswith(("ed", "ly", "s")) and v not in _NOT_RELATION_VERBS:
        # "I no longer co-own X" -> co-owns (a relation line's key, as mem-agent writes them)
        return v + ("es" if v.endswith(("sh", "ch", "x")) else "s")
    return None


_NOT_RELATION_VERBS = frozenset("""have had can could will would should may might must need want like love hate
feel think know see get got make take give go come use say tell""".split())


def _counterpart(new: str, old: str) -> str:
    """What in the new phrase stands where `old` stood: 'started working here in 2010' for 2012
    is 2010; 'graduated from Le Cordon Bleu Berlin' is 'Le Cordon Bleu Berlin'."""
    if re.match(r"^\d[\d.,]*(?:\s+[a-z]+)*$", old.strip()):
        # "the 12 years" -> "15 years": the number, and the unit words that came with it.
        unit = len(old.split()) - 1
        m = re.search(r"\d[\d.,]*(?:\s+[a-z]+){0,%d}" % unit, new)
        return m.group(0).rstrip(".,") if m else new
    m = re.match(r"^(?:[a-z]+ed|got|have|had|speak|am|hold|did|took|went|came|known\s+as|called|named)\s+"
                 r"(?:(?:my|a|an|the)\s+)?"
                 r"(?:(?:from|at|in|to|with|for|as)\s+(?:the\s+)?)?(?P<rest>.+)$", new)
    return m.group("rest") if m else new


def _fact(subject: Subject, key: str | None, new: str | None, old: str | None, env: Env, *,
          guessed: bool = False, topic: str = "update", correction: bool = False) -> Fact | None:
    new, old = _clean(new), _clean(old)
    if not key or not new or (old and old.casefold() == new.casefold()):
        return None
    date = env.ref.isoformat() if env.ref else None
    tags = tuple(dict.fromkeys((topic, *update_tags(old, date)) + ((ONLY_IF_HELD,) if guessed else ())
                               + ((CORRECTION_TAG,) if correction and old else ())))
    return Fact(subject, key, new, tags)


def _subject(m: re.Match[str], env: Env) -> Subject | None:
    if m.groupdict().get("my") or m.groupdict().get("i") or m.groupdict().get("it"):
        return SELF
    name = m.groupdict().get("oname")
    if name and (name in env.known_names or name.split()[0] in env.known_names):
        return Subject("person", name)
    return None


# Every pattern above needs one of these words (or an arrow).
_TRIGGER = re.compile(
    r"\b(?:not|no\s+longer|any\s*more|instead|actually|changed?|shifted|switched|moved|promoted|transferred|transitioned|"
    r"reassigned|quit|left|now|started|began|begun|turned|turning|children|kids|new|replaced?|replaces|years|shift|expertise|"
    r"specialty|speciality|specialization|research|fluent|fluency|bilingual|trilingual|multilingual|becoming|became|update|"
    r"correct|from)\b|→|->|=>|⇒",
    re.I,
)


def update_facts(sentence: str, env: Env, following: str = "") -> list[Fact]:
    """The facts a sentence changes; [] when it states no change. `following` is the next
    sentence: "I'm no longer captain of X. I've taken command of Y." says the new value there.
    The change is dated by the sentence's own time words ("last month I started at Charité")
    when it has them, else by the statement's date."""
    if not _TRIGGER.search(sentence):
        return []  # most sentences state no change: one cheap look instead of every pattern
    out = _update_facts(sentence, env, following)
    t = best_time(find_times(sentence, env.ref, "past")) if out and env.ref else None
    if t is None or not t.value or not re.match(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$", t.value):
        return out
    return [Fact(f.subject, f.key, f.value, tuple(AS_OF_PREFIX + t.value if x.startswith(AS_OF_PREFIX) else x for x in f.tags),
                 f.negated) for f in out]


def _update_facts(sentence: str, env: Env, following: str = "") -> list[Fact]:
    out: list[Fact] = []
    hint_m = _KEY_HINT.search(sentence)
    hint = _key(hint_m.group("k")) if hint_m else None

    for rx in (_CORRECTION, _CORRECTION_NOT_FIRST):
        for m in rx.finditer(sentence):
            subj = _subject(m, env)
            if subj is None:
                continue
            old = _clean(m.group("old"))
            new = _clean(m.group("new"))
            if new and old:
                new = _counterpart(new, old) if len(new.split()) > len(old.split()) + 2 else new
            # "my job is stressful, not fun" is no correction: without "actually" or "should be",
            # only a line that holds the old value is changed.
            said = re.search(r"\b(?:actually|really|in\s+fact|should\s+(?:be|read))\b", m.group(0)) is not None
            # "my title is actually X, not Y" says memory was wrong (no History line for Y);
            # "my title is now X, not Y" says it changed.
            f = _fact(subj, _key(m.group("k")) or hint, new, old, env, guessed=not said,
                      correction=_CHANGE_SAID.search(m.group(0)) is None)
            if f:
                out.append(f)
    if not out:
        for m in _IS_NOW.finditer(sentence):
            subj = _subject(m, env)
            f = _fact(subj, _key(m.group("k")), m.group("new"), None, env) if subj else None
            if f:
                out.append(f)
        m = _MOVED_TO.search(sentence)
        f = _fact(SELF, "living_location", m.group("new"), None, env, topic="location") if m else None
        if f:
            out.append(f)
    if not out:
        out += _self_corrections(sentence, hint, env)
    if not out:
        out += explicit_facts(sentence, hint, env, _fact)
    if not out:
        for m in _CHANGE.finditer(sentence):
            subj = _subject(m, env)
            if subj is None:
                continue
            key = _key(m.group("k")) if m.group("k") else None
            guessed = False
            if key is None:
                key, guessed = hint, hint is None
                if key is None:
                    key = "job_title" if re.search(r"\bpromoted\b", m.group(0)) else "status"
            f = _fact(subj, key, m.group("new"), m.group("old"), env, guessed=guessed)
            if f:
                out.append(f)
    if not out:
        out += _no_longer(sentence, hint, env, following)
    if not out:
        from memd.extract.update_stated import stated_work

        out += stated_work(sentence, env)
    if not out:
        m = _BEFORE_BECOMING.search(sentence)
        f = _fact(SELF, "job_title", m.group("new").lower(), m.group("old").lower(), env, topic="work") if m else None
        if f:
            out.append(f)
    if not out and ("→" in sentence or "->" in sentence or "=>" in sentence or "⇒" in sentence):
        m = _ARROW.search(sentence)
        if m and (m.group("my") or ":" in m.group(0).split(m.group("old"))[0] or hint):
            f = _fact(SELF, _key(m.group("k")) or hint, m.group("new"), m.group("old"), env)
            if f:
                out.append(f)
    from memd.extract.update_stated import passing_facts

    out += passing_facts(sentence, env, out)
    return out


def update_tags(old: str | None, date: str | None) -> list[str]:
    """The tags that mark an item as an update (memd/extract/conventions.py)."""
    out = [UPDATE_TAG]
    if old:
        out.append(REPLACES_PREFIX + old)
    if date and re.match(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$", date):
        out.append(AS_OF_PREFIX + date)
    return out


_RUN_WORD = re.compile(r"(?:[A-Z0-9][\w'’.&()-]*|of|de|da|du|the|and|&|for|on|in)$")


def _proper_run(value: str) -> str:
    """'Sergeant Maria Frost from the Arctic Division' -> 'Sergeant Maria Frost': a name ends at
    its first lowercase word that is not a connector ('Medal of Valor for Mountain Rescue')."""
    if not value[:1].isupper():
        return value
    out: list[str] = []
    for w in value.split():
        if not _RUN_WORD.match(w):
            break
        out.append(w)
    while out and out[-1] in ("of", "de", "da", "du", "the", "and", "&", "for", "on", "in"):
        out.pop()
    return " ".join(out) or value


# Words that say the old value was true and changed, not that memory had it wrong.
_CHANGE_SAID = re.compile(r"\b(?:now|recently|also|any\s*more|no\s+longer|switched|moved|changed|started|began|joined|"
                          r"became|become|got|went|instead)\b", re.I)


def _self_corrections(sentence: str, hint: str | None, env: Env) -> list[Fact]:
    """First-person corrections and switches whose key is not said: the hint of the sentence
    ("update my hobby information") or, failing that, only the line holding the old value."""
    for rx in (_SELF_CORRECTION, _MOVED_ON, _WHICH_REPLACES, _ITS):
        m = rx.search(sentence)
        if not m:
            continue
        g = m.groupdict()
        new, old = g.get("new") or g.get("new2"), g.get("old") or g.get("old2")
        new, old = _clean(new), _clean(old)
        if not new or not old:
            continue
        added = rx is _SELF_CORRECTION and re.search(r"\bnot\s+(?:just|only)\b", m.group(0)) is not None \
            and not set(re.findall(r"\w+", old.lower())) <= set(re.findall(r"\w+", new.lower()))
        new = _counterpart(new, old)
        if added:
            # "I also work at Stripe, not just Google": Google is still true, and the phrase said
            # for the new one is no clean value to add beside it ("work at Stripe"): write nothing.
            continue
        key = hint
        if key is None and rx is _MOVED_ON and g.get("new2"):
            key = "living_location"
        # A key taken from "update my family information" is a heading, not the line: the line
        # holding the old value is the one meant, or none (no new `family` line beside `Has Children`).
        f = _fact(SELF, key or "status", new, old, env,
                  guessed=key is None or (key == hint and rx in (_SELF_CORRECTION, _ITS)),
                  correction=rx in (_ITS, _SELF_CORRECTION) and not _CHANGE_SAID.search(m.group(0))
                  and (rx is _ITS or g.get("new") is not None))
        if f:
            return [f]
    return []


def _no_longer(sentence: str, hint: str | None, env: Env, following: str = "") -> list[Fact]:
    m = _NO_LONGER.search(sentence) or _NOT_ANYMORE.search(sentence)
    if not m:
        return []
    old = _clean(m.group("old"))
    if not old:
        return []
    rest = sentence[m.end():]
    n = _NEW_AFTER.search(rest)
    if n is None and following:
        rest = declarative_part(following) or ""  # the next sentence, read only here (rarely)
        n = _NEW_AFTER.search(rest)
    new, verb2 = None, None
    if n:
        new = n.group("new") or n.group("new2") or n.group("new3") or n.group("new4") or n.group("new5")
        if n.group("newj") and re.fullmatch(JOB, n.group("newj").strip(), flags=re.I):
            new = n.group("newj")
        verb2 = n.group("verb") or n.group("verb2") or n.group("verb3")
    if not new:
        i = _INSTEAD.search(rest)
        new = i.group("new") if i else None
    if not new:
        # "..., but I've been regularly communicating with Sergeant Maria Frost"
        b = _BUT_DOING.search(sentence[m.end():])
        if b:
            new, verb2 = b.group("new"), b.group("verb")
    if not new:
        b = _TAKEN_UP_BEFORE.search(sentence[:m.start()])
        new = b.group("new") if b else None
    if not new:
        return []  # a plain negation: the general rules (memd/extract/patterns/) remove it
    new = _proper_run(new)
    verb = m.group("verb")
    key = _verb_key(verb, m.group("prep")) or _verb_key(verb2, None) or hint
    guessed = key != "job_title"
    if re.fullmatch(JOB, old, flags=re.I) or re.fullmatch(JOB, _clean(new) or "", flags=re.I):
        key, guessed = "job_title", False
    f = _fact(SELF, key or "status", new, old, env, guessed=guessed)
    return [f] if f else []
