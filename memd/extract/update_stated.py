"""Changes said in passing, and work changes (split from rules_updates.py, which calls these).

    "I quit Google last week and joined Stripe"                 employer: Stripe        (was Google)
    "I now work at Charité" / "I started as a nurse at Charité"  employer: Charité (, job_title: nurse)
    "I just turned 32", "my 3 children"                         age: 32, number_of_children: 3
    "my new role as X", "my new position with Horizon Air"      job_title: X, employer: Horizon Air
    "my 15 years of experience", "working the evening shift"    years_of_experience: 15, shift: evening
    "I don't speak German anymore"                              languages: German (no longer)
"""

from __future__ import annotations

import re

from memd.extract.conventions import ONLY_IF_KEY
from memd.extract.patterns import JOB, LANG_ALT, SELF, Env, Fact
from memd.extract.rules_updates import _END, _KEY_WORDS, _VAL, _clean, _fact, _proper_run
from memd.extract.update_implied import RANKS

_ORG = r"(?P<org>(?:the\s+)?[A-Z][\w'’.&-]*(?:\s+(?:of|de|the|and|&|[A-Z0-9][\w'’.&-]*)){0,5})"
_QUIT_JOIN = re.compile(
    rf"\bI\s+(?:just\s+|recently\s+|finally\s+)?(?:quit|left)\s+(?:my\s+job\s+at\s+|my\s+job\s+with\s+)?(?P<old>(?:the\s+)?[A-Z][\w'’.&-]*(?:\s+[A-Z0-9][\w'’.&-]*){{0,4}})"
    rf"(?:\s+[^,;.!?]*?)?(?:,\s*|\s+)(?:(?:and|to)\s+(?:I\s+)?(?:have\s+)?(?:joined|join|started\s+(?:at|with)|moved\s+to|went\s+to)"
    # "... and now I'm at McKinsey", "..., I'm now with McKinsey"
    rf"|(?:and\s+|but\s+)?(?:now\s+I(?:'m|’m|\s+am)|I(?:'m|’m|\s+am)\s+now)\s+(?:(?:working\s+)?(?:at|with|for))"
    rf"|(?:and\s+|but\s+)?now\s+I\s+work\s+(?:at|for|with))\s+{_ORG}"
)
# "I left Deloitte last month": the employer line that holds Deloitte goes (nothing happens where
# memory holds another employer: "I left Paris" removes no line).
_LEFT = re.compile(r"\bI\s+(?:just\s+|recently\s+|finally\s+|have\s+)?(?:quit|left|resigned\s+from)\s+"
                   r"(?P<old>(?:the\s+)?[A-Z][\w'’.&-]*(?:\s+[A-Z0-9][\w'’.&-]*){0,4})")
_NOW_WORK = re.compile(
    rf"\bI\s+(?:(?:now|recently|just)\s+)?(?:(?:have|had)\s+)?(?:(?:now|recently|just)\s+)?"
    rf"(?:started|began|begun|work|am\s+working|am\s+now\s+working|started\s+working|took\s+a\s+job|got\s+a\s+job|accepted\s+a\s+(?:job|position|role))"
    rf"(?:\s+(?:working|a\s+new\s+job|a\s+job))?(?:\s+as\s+(?:a|an)\s+(?P<job>{JOB}))?\s+(?:at|for|with)\s+{_ORG}"
    rf"(?:\s+in\s+(?P<loc>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?))?(?P<now>\s+now)?"
)

_TURNED = re.compile(r"\b(?:I\s+(?:just\s+|recently\s+|finally\s+)?turned|since\s+turning|(?<!am\s)turning)\s+(?P<n>\d{1,3})\b(?!\s+(?:next|in|soon|tomorrow))")
# "having three children", "my 3 kids" (the general rules read "I have two kids").
_KIDS = re.compile(r"\b(?:having|my|our)\s+(?P<n>\d{1,2}|two|three|four|five|six|seven|eight)\s+(?:children|kids)\b")

_MY_NEW = re.compile(
    r"\bmy\s+new\s+(?:(?P<pre>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?)\s+)?(?P<k>hobby|hobbies|role|job|position|shift(?:\s+schedule)?|"
    r"schedule|specialty|specialization|passion|diet|rank|title|certification|responsibilities)\b"
    r"(?:\s+(?P<rel>as|of|at|with)\s+(?:the\s+|a\s+|an\s+)?(?P<post>[^,;!?]+?)" + _END + ")?"
)
# Items of a multi-valued key that stop holding: "I don't speak German anymore".
_STOPPED = re.compile(
    r"\bI\s+(?:(?:do\s+not|no\s+longer|am\s+no\s+longer|am\s+not)\s+)(?:really\s+)?(?P<verb>speak|play|like|enjoy|love|collect|"
    rf"allergic\s+to|intolerant\s+to)\s+(?P<old>{_VAL})(?P<more>\s+any\s*more)?{_END}"
)
_STOPPED_KEYS = {"speak": "languages", "play": "hobbies", "like": "likes", "enjoy": "likes", "love": "likes",
                 "collect": "hobbies", "allergic to": "allergies", "intolerant to": "intolerances"}
# Statements of what holds now, said in passing: "my 15 years of experience", "working the
# evening shift now", "my expertise in X", "fluent in English and Mandarin", "my research on X".
_CURRENT = [
    (re.compile(r"\b(?:[Mm]y|[Tt]hese|[Aa]fter|[Oo]ver|[Ww]ith)\s+(?P<v>\d{1,2})\s+years\s+(?:of\s+(?:experience|service)|in\s+(?:this|the|my)\s+"
                r"(?:field|industry|profession|career|job|role|trade))\b"), "years_of_experience"),
    (re.compile(r"\b(?:working|work|on|to)\s+the\s+(?P<v>morning|evening|night|day|late|early|afternoon|graveyard)\s+shift\b"),
     "shift"),
    (re.compile(rf"\bmy\s+(?:area\s+of\s+)?(?:expertise|specialty|speciality|specialization)\s+(?:in|as)\s+(?:the\s+)?(?P<v>[A-Z][^,;!?]*?){_END}"),
     "expertise"),
    (re.compile(rf"\bmy\s+(?:current\s+|new\s+)?research\s+(?:on|into)\s+(?P<v>[^,;!?]+?){_END}"), "research_focus"),
]
_LANGS = re.compile(
    rf"\b(?:fluent\s+in|my\s+fluency\s+in|(?:bi|tri|multi)lingual\s+(?:abilities|skills)?\s*in)\s+(?:both\s+)?"
    rf"(?P<v>(?:{LANG_ALT})(?:,?\s+(?:and\s+)?(?:{LANG_ALT}))+)\b"
)

# "I gave up on Italian", "I stopped learning the piano": what one learns or does as a pastime.
_GAVE_UP = re.compile(r"\bI\s+(?:have\s+|had\s+)?(?:finally\s+|just\s+)?(?:gave|given)\s+up\s+(?:on\s+)?(?:learning\s+|playing\s+)?"
                      r"(?:the\s+)?(?P<old>[A-Za-z][\w-]*(?:\s+[a-z][\w-]*)?)(?=\s*[,.;!?]|\s*$|\s+(?:and|but|because|since|after)\b)"
                      r"|\bI\s+(?:have\s+)?stopped\s+(?:learning|playing|studying)\s+(?:the\s+)?(?P<old2>[A-Za-z][\w-]*)\b")


def _stopped(sentence: str) -> list[Fact]:
    """A negation of one item: the apply step removes it from the line that lists it."""
    g = _GAVE_UP.search(sentence)
    if g:
        old = _clean(g.group("old") or g.group("old2"))
        if old and old.lower() not in ("it", "that", "this", "them", "everything", "hope", "trying", "smoking", "drinking"):
            # Only a line that holds it changes (a learning or a hobby memory does not hold writes nothing).
            return [Fact(SELF, key, old, (key,), negated=True) for key in ("learning", "hobbies")]
    m = _STOPPED.search(sentence)
    if not m:
        return []
    verb = re.sub(r"\s+", " ", m.group("verb"))
    ended = m.group("more") or re.search(r"no\s+longer", m.group(0))
    if not ended:
        return []  # "I don't like crowds" is a dislike, not a change
    old = _clean(m.group("old"))
    if not old:
        return []
    return [Fact(SELF, _STOPPED_KEYS[verb], old, (_STOPPED_KEYS[verb],), negated=True)]


def stated_work(sentence: str, env: Env) -> list[Fact]:
    """Employer and job changes: "I quit X and joined Y", "I now work at Y (as a Z)"."""
    out: list[Fact] = []
    m = _QUIT_JOIN.search(sentence)
    if m:
        f = _fact(SELF, "employer", m.group("org"), m.group("old"), env, topic="work")
        return [f] if f else []
    m = _LEFT.search(sentence)
    # "left" is said of places too ("I left Berlin in 2020"): only with a word of work around it.
    workish = re.search(r"\b(?:quit|resigned|job|work|worked|working|company|firm|employer|position|role|team|office|"
                        r"colleagues|boss|career|notice)\b", sentence, re.I)
    if m and workish and not _NOW_WORK.search(sentence) and _clean(m.group("old")):
        out.append(Fact(SELF, "employer", _clean(m.group("old")), ("work",), negated=True))
    for m in _NOW_WORK.finditer(sentence):
        org = _clean(m.group("org"))
        changed = bool(m.group("now") or re.search(r"\b(?:now|started|began|begun|took|got|accepted|recently|just)\b",
                                                    m.group(0)))
        if not org or not changed:
            continue
        f = _fact(SELF, "employer", org, None, env, topic="work")
        if f:
            out.append(f)
        if m.group("job"):
            f = _fact(SELF, "job_title", m.group("job").lower(), None, env, topic="work")
            if f:
                out.append(f)
        if m.group("loc"):
            out.append(Fact(SELF, "work_location", m.group("loc"), ("work", "location")))
    return out


def _my_new(sentence: str, env: Env) -> list[Fact]:
    out: list[Fact] = []
    for m in _MY_NEW.finditer(sentence):
        k = m.group("k")
        key = _KEY_WORDS.get(k.split()[0] if k.startswith("shift") else k, k.replace(" ", "_"))
        if k.startswith("shift"):
            key = k.replace(" ", "_")
        value = m.group("post") if m.group("post") else m.group("pre")
        if m.group("rel") in ("at", "with") and key == "job_title" and (value or "")[:1].isupper():
            key = "employer"  # "my new position with Horizon Air" names where, not what
        elif key == "job_title" and (value or "").strip().lower() in RANKS:
            key = "rank"  # "my new responsibilities as Sergeant"
        f = _fact(SELF, key, value, None, env)
        if f and k in ("responsibilities", "duties") and key != "employer":
            # New duties may be one more hat rather than a new job: they change the one role line
            # memory holds (Occupation, or Community Role), or nothing (update_match.py).
            f = Fact(f.subject, "rank" if key == "rank" else "role", f.value, f.tags + (ONLY_IF_KEY,))
        if f:
            out.append(f)
    return out


def passing_facts(sentence: str, env: Env, out: list[Fact]) -> list[Fact]:
    """Ages, children, new roles and values said in passing, given what the sentence already changed."""
    out = list(out)
    start = len(out)
    for m in _TURNED.finditer(sentence):
        n = int(m.group("n"))
        if 0 < n < 120 and not any(f.key == "age" for f in out):
            f = _fact(SELF, "age", str(n), None, env, topic="age")
            if f:
                out.append(f)
    for m in _KIDS.finditer(sentence):
        n = m.group("n")  # as said: "three" stays "three"
        if not any(f.key == "number_of_children" for f in out):
            f = _fact(SELF, "number_of_children", n, None, env, topic="family")
            if f:
                out.append(f)
    if not out:
        out += _my_new(sentence, env)
    if not out:
        for rx, key in _CURRENT:
            m = rx.search(sentence)
            f = _fact(SELF, key, _proper_run(m.group("v")), None, env) if m else None
            if f:
                out.append(f)
        m = _LANGS.search(sentence)
        f = _fact(SELF, "languages", m.group("v"), None, env, topic="language") if m else None
        if f:
            out.append(f)
    if not out:
        out += _stopped(sentence)
    return out[start:]
