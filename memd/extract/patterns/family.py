"""Partners, marriage, children and siblings: "I'm married to Tom", "we got engaged", "I broke up
with Alex", "I have two kids, Emma and Jack", "I have a younger brother".

The marital state before the change ("got married"), the named partner before the generic
statuses, counts ("two kids") before the single relative ("a son").
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, Subject, rule
from memd.extract.patterns.fragments import ADV, HAVE, NAME, NO_MORE, NUM, REL_ALL, REL_MODS
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, dated, explicit_name, valid_name, when
from memd.extract.rules_dates import parse_number


_COUNT_KEYS = {
    "kids": "number_of_children", "children": "number_of_children", "boys": "number_of_children",
    "girls": "number_of_children", "sons": "number_of_sons", "daughters": "number_of_daughters",
    "brothers": "number_of_brothers", "sisters": "number_of_sisters", "siblings": "number_of_siblings",
    "grandkids": "number_of_grandchildren", "grandchildren": "number_of_grandchildren",
}
_WITH_KIDS = re.compile(
    r"\s+with\s+(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:(?:young|little|grown|adult)\s+)?"
    r"(?P<what>kids|children|sons|daughters|boys|girls)\b"
)


@rule(
    rf"(?:(?:am|is|are|{HAVE}\s+been)\s+{ADV}(?:happily\s+)?(?P<st>married|engaged)(?:\s+to\s+(?P<name>{NAME}))?)",
)
def married_state(m: re.Match[str], cl: Clause) -> list[Fact]:
    st = m.group("st")
    out = _f(cl, "marital_status", st, ("relationship",))
    km = _WITH_KIDS.match(m.string, m.end())
    if km:
        # "I'm married with two kids"
        out += _f(cl, _COUNT_KEYS[km.group("what").lower()], str(parse_number(km.group("n"))), ("family",))
    name = valid_name(m.group("name"))
    if name and cl.subject.kind == "self":
        rel = "spouse" if st == "married" else "fiance"
        out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship", "family")))
    return out


@rule(
    rf"(?:(?P<past>got)|(?P<fut>(?:am|is|are)\s+{ADV}getting|will\s+get|(?:am|is|are)\s+(?:going|planning)\s+to\s+get))\s+"
    rf"(?P<st>married|engaged|divorced)(?:\s+to\s+(?P<name>{NAME}))?"
)
def got_married(m: re.Match[str], cl: Clause) -> list[Fact]:
    st = m.group("st")
    name = valid_name(m.group("name"))
    verb = {"married": "get married", "engaged": "get engaged", "divorced": "get divorced"}[st]
    out: list[Fact] = []
    if name and cl.subject.kind == "self":
        rel = "spouse" if st == "married" else "fiance" if st == "engaged" else None
        if rel:
            out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship", "family")))
    if m.group("past"):
        out += _f(cl, "marital_status", st, ("relationship",))
        out += _f(cl, "event", dated("got " + st + (f" to {name}" if name else ""), when(cl, "past")), ("event", "relationship"))
    else:
        out += _f(cl, "plans", dated(verb + (f" to {name}" if name else ""), when(cl, "future")), ("plan", "relationship"))
    return out


@rule(rf"(?:married|(?:am|is)\s+marrying)\s+(?P<name>{NAME})", subjects=frozenset({"self"}))
def married_name(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    name = valid_name(m.group("name"))
    if not name:
        return None
    out = [Fact(Subject("person", name, "spouse"), "relationship", "spouse", ("relationship", "family"))]
    if m.group(0).startswith("married"):
        out += _f(cl, "marital_status", "married", ("relationship",))
    return out


@rule(
    rf"(?:am|is|are|{HAVE}\s+{ADV}been)\s+{ADV}(?:dating|seeing|going\s+out\s+with|in\s+a\s+relationship\s+with|together\s+with)\s+"
    rf"(?:(?:someone|somebody|a\s+(?:guy|girl|man|woman))\s+(?:named|called)\s+)?(?P<name>{NAME})",
    subjects=frozenset({"self"}),
)
def dating(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    name = valid_name(m.group("name"))
    if not name:
        return None
    # Dating someone is also the user's status: "single" no longer holds.
    return [Fact(Subject("person", name, "partner"), "relationship", "partner", ("relationship", "family")),
            Fact(cl.subject, "relationship_status", "dating", ("relationship",))]


table_rules("married_negated")


@rule(
    rf"(?:am|is)\s+(?:no\s+longer\s+(?:(?P<with>with|together\s+with)|dating|seeing)\s+(?P<n1>{NAME})"
    rf"|not\s+(?:(?P<with2>with|together\s+with)|dating|seeing)\s+(?P<n2>{NAME})\s+{NO_MORE})",
    subjects=frozenset({"self"}),
)
def partner_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    name = valid_name(m.group("n1") or m.group("n2"))
    if not name:
        return None
    if (m.group("with") or m.group("with2")) and name not in cl.env.known_names:
        return None  # "no longer with Deloitte": with a person only when that person is known
    return [Fact(Subject("person", name, "partner"), "relationship", "partner", ("relationship",), negated=True)]


@rule(
    r"(?:am|is|are)\s+" + ADV + r"in\s+a\s+(?P<kind>(?:(?:serious|committed|happy|new|long-term|long-distance|open|"
    r"loving|stable|great|good)\s+)*)relationship\b(?!\s+with)"
)
def in_relationship(m: re.Match[str], cl: Clause) -> list[Fact]:
    kind = re.sub(r"\s+", " ", m.group("kind")).strip()
    kind = " ".join(w for w in kind.split() if w not in ("happy", "great", "good", "new", "loving"))
    return _f(cl, "relationship_status", f"in a {kind + ' ' if kind else ''}relationship", ("relationship",))


table_rules("only_child", "dating_someone", "marital")


# What may follow a breakup that ends a relation: nothing, a time, a reason ("broke up last month",
# "split up after ten years"); anything else is an object ("broke up a fight", "split up the chores").
_BREAKUP_END = re.compile(
    r"\s*(?:$|[,.!?;]|(?:last|this|in|on|after|before|yesterday|today|recently|earlier|months?|weeks?|years?|"
    r"a\s+(?:few|couple)|two|three|because|since|when|and\s+(?:I|it|we)|for\s+good)\b)", re.I)
# "I dreamt that Tom and I broke up", "what if we split up": no breakup happened.
_UNREAL_LEAD = re.compile(r"\b(?:dream\w*|dreamt|imagin\w*|if|afraid|worried|scared|fear|hope|wish|pretend\w*|"
                          r"rumou?rs?|joke\w*|almost|nearly|thought)\b", re.I)


@rule(
    rf"(?:broke\s+up|split\s+up|{HAVE}\s+broken\s+up)(?:\s+with\s+(?:my\s+{REL_MODS}(?P<rel>{REL_ALL})\s*,?\s*)?(?P<name>{NAME})?)?"
)
def broke_up(m: re.Match[str], cl: Clause) -> list[Fact]:
    rest = m.string[m.end():]
    if not m.group("name") and (not _BREAKUP_END.match(rest) or re.match(r"\s*for\s+(?:a|an|one|two|a\s+few)\b", rest)):
        return []  # "broke up a fight", "broke up for a week" (and got back together)
    if _UNREAL_LEAD.search(cl.lead) or re.search(r"\bback\s+together\b", rest):
        return []
    # "Tom and I broke up": the one named beside the speaker is the one broken up with.
    name = valid_name(m.group("name")) or (cl.subject.companion if cl.subject.kind == "self" else None)
    rel = lex.RELATIONS.get((m.group("rel") or "").lower(), "partner")
    out: list[Fact] = []
    if name and cl.subject.kind == "self":
        out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship",), negated=True))
    elif cl.subject.kind == "self":
        out += _f(cl, "partner", "*", ("relationship",), negated=True)
    out += _f(cl, "event", dated("broke up" + (f" with {name}" if name else ""), when(cl, "past")), ("event", "relationship"))
    return out


@rule(
    rf"(?:had|welcomed|gave\s+birth\s+to|adopted)\s+(?:a|our|my)\s+(?:(?:new|newborn|little|beautiful|healthy)\s+)*"
    rf"(?:baby\s+)?(?P<kind>girl|boy|daughter|son)\s*,?\s+(?:named|called)\s+(?P<name>{NAME})",
    subjects=frozenset({"self"}),
)
def new_child(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    """'We had a baby girl named Ava last week': Ava is the user's daughter, and her birth an event."""
    name = explicit_name(m.group("name"))
    if not name:
        return None
    rel = {"girl": "daughter", "boy": "son"}.get(m.group("kind"), m.group("kind"))
    verb = m.group(0).split()[0]
    out = [Fact(Subject("person", name, rel), "relationship", rel, ("relationship", "family"))]
    return out + _f(cl, "event", dated(f"{verb} a baby {m.group('kind')} named {name}", when(cl, "past")), ("event", "family"))


_NAMED_RELATION = {
    "kids": "child", "children": "child", "sons": "son", "daughters": "daughter", "boys": "son", "girls": "daughter",
    "brothers": "brother", "sisters": "sister", "siblings": "sibling", "grandkids": "grandchild", "grandchildren": "grandchild",
}


@rule(
    rf"{HAVE}\s+(?P<n>{NUM}|a\s+couple\s+of)\s+(?:(?:young|little|grown|adult|beautiful|amazing|wonderful|great|"
    rf"older|younger|twin)\s+)?(?P<what>kids|children|sons|daughters|boys|girls|brothers|sisters|siblings|grandkids|grandchildren)\b"
)
def family_count(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    n = parse_number(m.group("n"))
    if n is None:
        return None
    out = _f(cl, _COUNT_KEYS[m.group("what").lower()], str(n), ("family",))
    # "I have two kids, Emma and Jack": the children by name.
    nm = re.match(rf"\s*,?\s*(?:named\s+|called\s+)?(?P<names>{NAME}(?:\s*(?:,|and|&)\s*{NAME})+)(?=\s*$|\s*[,.;!])", m.string[m.end():])
    rel = _NAMED_RELATION.get(m.group("what").lower())
    if nm and rel and cl.subject.kind == "self":
        names = [x for x in (explicit_name(t) for t in re.split(r"\s*(?:,|\band\b|&)\s*", nm.group("names"))) if x]
        if len(names) == n:
            for name in names:
                out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship", "family")))
    return out


@rule(
    rf"{HAVE}\s+(?:a|an|one)\s+(?:(?:little|big|older|younger|baby|twin|step|half|\d{{1,2}}-(?:year|month|week)-old|newborn|teenage)\s+)?"
    rf"(?P<rel>son|daughter|brother|sister|kid|child|baby|stepson|stepdaughter|stepbrother|stepsister|half-brother|half-sister|"
    rf"stepkid|stepchild|teenager|toddler)\b(?!\s+(?:named|called))(?!-)",
)
def has_relative(m: re.Match[str], cl: Clause) -> list[Fact]:
    rel = m.group("rel").lower()
    key = "children" if rel in ("son", "daughter", "kid", "child", "baby", "stepson", "stepdaughter", "stepkid", "stepchild", "teenager", "toddler") else "siblings"
    return _f(cl, key, re.sub(r"^(?:a|an|one)\s+", "", m.group(0).split(None, 1)[1]), ("family",))
