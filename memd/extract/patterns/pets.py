"""Pets: "I have a dog named Rex", "we adopted two cats", "I'm a proud dog mom", and the
death of a pet or person ("she passed away").

has_pet comes before the negation and the "dog mom" phrasing; "passed away" last, since it only
applies to someone other than the speaker.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, Subject, rule
from memd.extract.patterns.fragments import ADV, HAVE, NAME, SPECIES_ALL
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, dated, explicit_name, valid_name, when
from memd.extract.rules_dates import parse_number


_BREED_ALT = "|".join(sorted((re.escape(b) for b in lex.BREEDS), key=len, reverse=True))


@rule(rf"(?:is|was)\s+(?:a|an)\s+(?:(?:{lex.PET_MODIFIERS}|purebred|mixed|miniature|toy|standard)\s+)*(?P<breed>{_BREED_ALT})"
      rf"(?:\s+(?:mix|cross))?(?=\s*$|\s*[,.!;]|\s+(?:and|who|that|named|called|with|from)\b)", subjects=frozenset({"person"}))
def pet_breed(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    """'Our dog Biscuit is a beagle': a breed only a pet can be (a person is no beagle)."""
    if cl.subject.relation not in (None, "pet") or m.group("breed").lower() == "mutt":
        return None
    breed = m.group("breed").lower()
    out = [Fact(cl.subject, "breed", breed, ("pet",))]
    if cl.subject.relation is None:
        out.append(Fact(cl.subject, "species", lex.BREEDS[breed], ("pet",)))
    return out


@rule(
    rf"(?P<verb>{HAVE}|own|owns|adopted|got|rescued|bought|brought\s+home|welcomed|took\s+in|"
    rf"(?:am|is|are)\s+{ADV}getting|{HAVE}\s+{ADV}(?:got|adopted|gotten|rescued))\s+"
    rf"(?P<det>a|an|two|three|four|another|our|my)?\s*(?:(?:{lex.PET_MODIFIERS})\s+)*"
    rf"(?P<sp>{SPECIES_ALL})\b(?:\s*,?\s*(?P<named>named|called)?\s*(?P<names>{NAME}(?:\s*(?:,|and|&)\s*{NAME})*))?"
)
def has_pet(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    sp_word = m.group("sp").lower()
    species = lex.SPECIES.get(sp_word) or lex.SPECIES_PLURALS.get(sp_word)
    if not species:
        return None
    if sp_word in ("mouse", "mice") and (m.group("verb").split()[-1] == "bought"
                                        or re.match(r"\s+(?:from|for\s+my)\b", m.string[m.end():])):
        return None  # "I bought a mouse from Logitech": a computer's
    pick = explicit_name if m.group("named") else valid_name
    names = [n for n in (pick(x) for x in re.split(r"\s*(?:,|\band\b|&)\s*", m.group("names") or "")) if n]
    verb = m.group("verb").split()[-1]
    future = m.group("verb").startswith(("am", "is", "are"))
    out: list[Fact] = []
    if cl.subject.kind == "self":
        for name in names:
            out.append(Fact(Subject("person", name, "pet"), "relationship", "pet", ("pet",)))
            out.append(Fact(Subject("person", name, "pet"), "species", species, ("pet",)))
        if not names:
            det = (m.group("det") or "a").lower()
            count = parse_number(det) if det not in ("a", "an", "another", "our", "my") else None
            if future:
                out += _f(cl, "plans", dated(f"get a {sp_word}", when(cl, "future")), ("plan", "pet"))
                return out
            out += _f(cl, "pets", f"{count} {sp_word}" if count and count > 1 else species, ("pet",))
            # "a dog and two cats"
            am = _MORE_PETS.match(m.string, m.end())
            while am:
                sp2 = am.group("sp").lower()
                n2 = parse_number(am.group("det")) if am.group("det") not in ("a", "an") else None
                one = lex.SPECIES.get(sp2) or lex.SPECIES_PLURALS.get(sp2, sp2)
                out += _f(cl, "pets", f"{n2} {sp2}" if n2 and n2 > 1 else one, ("pet",))
                am = _MORE_PETS.match(m.string, am.end())
    else:
        label = ", ".join(names)
        out += _f(cl, "pets", f"{label} ({species})" if names else species, ("pet",))
    if verb in ("adopted", "got", "rescued", "bought", "home", "welcomed", "in") and not future:
        t = when(cl, "past")
        if t:
            what = f"{verb if verb not in ('home', 'in') else 'got'} a {sp_word}" + (f" named {', '.join(names)}" if names else "")
            out += _f(cl, "event", dated(what, t), ("event", "pet"))
    return out


_MORE_PETS = re.compile(
    rf"\s*(?:,|,?\s+and|&)\s+(?P<det>a|an|two|three|four|five|\d)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})\b(?!\s+(?:named|called))"
)


table_rules("pet_negated", "pet_parent", "died")
