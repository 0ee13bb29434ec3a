"""Languages and education: "I speak Spanish and French", "I'm learning Greek", "I study
biology at UCL", "I got my PhD last year", "I graduated from college in 2019".

Languages first, so "I'm studying Greek" is a language being learned, not a subject studied.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, DEGREE, HAVE, JOB, LANG_ALT, MONTH_ALT, ORG, REST
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, clean_org, dated, when
from memd.extract.patterns.work import article
from memd.extract.rules_text import clean_value


@rule(
    rf"(?:speaks|speak|can\s+speak|(?:am|is)\s+{ADV}fluent\s+in|(?:am|is)\s+a\s+native\s+(?P<native>{LANG_ALT})\s+speaker|"
    rf"(?:am|is)\s+{ADV}(?:bilingual|trilingual|multilingual)\s+in|grew\s+up\s+speaking)\b"
    rf"(?:\s+(?:a\s+little|a\s+bit\s+of|some|basic|fluent|conversational|decent|good|perfect)\s+)?"
    rf"(?:\s*(?P<langs>(?:{LANG_ALT})(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+&\s+)(?:(?:a\s+little|a\s+bit\s+of|some|basic|fluent|conversational|decent)\s+)?(?:{LANG_ALT}))*))?"
)
def speaks(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    out: list[Fact] = []
    if m.group("native"):
        out += _f(cl, "native_language", m.group("native"), ("language",))
    for lang in re.findall(LANG_ALT, m.group("langs") or ""):
        out += _f(cl, "languages", lang, ("language",))
    return out or None


table_rules("learning_language")


@rule(
    rf"(?:(?P<cur>study|studies|(?:am|is)\s+{ADV}(?:studying|majoring\s+in)|major\s+in)"
    rf"|(?P<past>studied|majored\s+in)"
    rf"|(?:{HAVE}|got|earned|completed|finished)\s+(?:a|an|my|his|her)\s+(?P<deg>{DEGREE})\s+in"
    rf"|graduated\s+with\s+(?:a|an)\s+(?P<deg2>{DEGREE})\s+in)"
    rf"\s+(?P<field>(?!(?:at|from|for|with|in|on|to|the|a|an|my|hard|{MONTH_ALT}|19\d\d|20\d\d)\b)[A-Za-z][\w-]*"
    rf"(?:\s+(?!at\b|from\b|in\b|and\b|but\b|because\b|last\b|next\b|this\b|for\b|since\b)[A-Za-z][\w-]*){{0,3}})"
    rf"(?:\s+(?:at|from)\s+(?P<org>{ORG}))?"
)
def studies(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    fieldv = clean_value(m.group("field"), max_words=4)
    if not fieldv or fieldv.lower() in ("hard", "a lot", "abroad", "together", "late", "lot"):
        return None
    if fieldv in lex.LANGUAGES and m.group("cur"):
        return _f(cl, "learning", fieldv, ("language", "learning"))
    deg = m.group("deg") or m.group("deg2")
    org = clean_org(m.group("org"))
    value = (f"{deg} in {fieldv}" if deg and deg.lower() != "degree" else fieldv) + (f", {org}" if org else "")
    if m.group("cur"):
        value = f"studying {value}"
    out = _f(cl, "education", value, ("education",))
    if deg and m.group(0).startswith(("got", "earned", "completed", "finished", "graduated")):
        t = when(cl, "past")
        if t:
            out += _f(cl, "graduation_date", t.value, ("education", "date"))
    return out


@rule(
    rf"(?:study|studies|(?:am|is|are)\s+{ADV}(?:studying|enrolled)|(?:go|goes)\s+to\s+(?:school|college|university|uni))\s+"
    rf"(?:at|in)\s+(?P<org>{ORG})"
)
def studies_at(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I study at the University of Toronto": the school; "studying in Paris" is a place, not one.
    org = clean_org(m.group("org"))
    if not org or (m.group(0).split()[-2] == "in" and not re.search(r"\b(?:University|College|School|Institute|Academy)\b", org)):
        return None
    return _f(cl, "school", re.sub(r"^the\s+(?=[A-Z])", "", org), ("education",))


@rule(
    rf"(?:(?P<verb>got|earned|received|completed|finished)|{HAVE}\s+{ADV}(?P<verb2>got|gotten|earned|received|completed|finished))\s+"
    rf"(?P<det>my|a|an|his|her|their)\s+(?P<deg>(?!degree\b|diploma\b|certificate\b){DEGREE})(?!\s+in\s+(?!{MONTH_ALT}\b|19\d\d|20\d\d)[A-Za-z])(?![\w'-])"
)
def got_degree(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I got my PhD last year": the degree, and when it was finished.
    deg = re.sub(r"\s+", " ", m.group("deg"))
    out = _f(cl, "education", deg, ("education",))
    t = when(cl, "past")
    if t:
        verb = m.group("verb") or {"gotten": "got"}.get(m.group("verb2"), m.group("verb2"))
        out += _f(cl, "graduation_date", t.value, ("education", "date"))
        out += _f(cl, "event", dated(f"{verb} {m.group('det')} {deg}", t), ("event", "education"))
    return out


@rule(
    rf"(?:am|is|are)\s+{ADV}(?:doing|pursuing|getting|working\s+(?:on|towards|toward)|studying\s+for|enrolled\s+in)\s+(?:a|an|my|his|her|their)\s+"
    rf"(?P<deg>(?!degree\b|diploma\b|certificate\b){DEGREE})(?:\s+(?:in|on)\s+(?P<field>(?!{MONTH_ALT}\b)[A-Za-z][\w-]*(?:\s+(?!at\b|from\b|in\b|and\b|but\b|because\b)[A-Za-z][\w-]*){{0,2}}))?"
    rf"(?:\s+at\s+(?P<org>{ORG}))?"
)
def pursuing_degree(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    deg = re.sub(r"\s+", " ", m.group("deg"))
    fieldv = clean_value(m.group("field") or "", max_words=3) if m.group("field") else None
    org = clean_org(m.group("org"))
    art = "an" if re.match(r"(?:[AEIOaeio]|MBA|MA\b|MS\b|MSc)", deg) else "a"
    value = f"studying for {art} {deg}" + (f" in {fieldv}" if fieldv else "") + (f", {org}" if org else "")
    return _f(cl, "education", value, ("education",))


@rule(rf"(?:am|is|are)\s+{ADV}(?:studying|training|in\s+school)\s+to\s+(?:become|be)\s+(?:a|an)\s+(?P<job>{JOB})")
def studying_to_become(m: re.Match[str], cl: Clause) -> list[Fact]:
    job = m.group("job")
    return _f(cl, "education", f"studying to become {article(job)} {job}", ("education",))


@rule(
    rf"graduated(?:\s+from\s+(?P<org>(?:high\s+school|college|university|grad\s+school|law\s+school|med\s+school|"
    rf"nursing\s+school|art\s+school)|{ORG}))?" + REST
)
def graduated(m: re.Match[str], cl: Clause) -> list[Fact]:
    org = m.group("org")
    org = org if org and org[0].islower() else clean_org(org)
    out: list[Fact] = []
    if org:
        out += _f(cl, "education", f"graduated from {org}", ("education",))
    t = when(cl, "past")
    if t:
        out += _f(cl, "graduation_date", t.value, ("education", "date"))
        out += _f(cl, "event", dated("graduated" + (f" from {org}" if org else ""), t), ("event", "education"))
    return out
