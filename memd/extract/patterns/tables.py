"""The predicate rules kept as data: rows of tables.toml, each one pattern mapped to one fact.

A rule whose handler would only pick a group, clean it and name the key is clearer as a row
than as a function; the rows say what they state, and this module turns each into a handler
that behaves as the function did. Rows are registered by their domain module, with
table_rules(...) at the point in the rule order where they belong, so one can read a domain
module top to bottom and see every rule it contributes, in order.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from memd.extract import rules_lexicon as lex
from memd.extract.patterns import fragments
from memd.extract.patterns.core import Clause, Fact, Handler, rule
from memd.extract.patterns.values import _f, clean_org, clean_place, dated, object_value, valid_name, when
from memd.extract.rules_text import clean_value

# The building blocks a row's pattern may name as {NAME}.
FRAGMENTS: dict[str, str] = {
    "ADV": fragments.ADV,
    "DIETS": fragments.DIETS,
    "DWELLINGS": fragments.DWELLINGS,
    "HAVE": fragments.HAVE,
    "HEALTH": fragments.HEALTH,
    "JOB": fragments.JOB,
    "LANG_ALT": fragments.LANG_ALT,
    "LOC": fragments.LOC,
    "LOC_ANY": fragments.LOC_ANY,
    "NAME": fragments.NAME,
    "NO_MORE": fragments.NO_MORE,
    "NUM": fragments.NUM,
    "ORG": fragments.ORG,
    "SPECIES_ALL": fragments.SPECIES_ALL,
    "DEMONYMS": lex.alternation(lex.DEMONYMS),
    "HOBBYISTS": lex.alternation(lex.HOBBYISTS),
    "HEALTH_ADJECTIVES": lex.alternation(lex.HEALTH_ADJECTIVES),
}
_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z_]*)\}")  # {LOC}; a regex repeat {0,3} never matches


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _diet(text: str) -> str:
    d = text.lower()
    return lex.DIETS.get(d, d)


def _species(text: str) -> str:
    s = text.lower()
    return lex.SPECIES.get(s) or lex.SPECIES_PLURALS.get(s, s)


# How a row's value is cleaned; each takes the matched text and the clause.
CLEANERS: dict[str, Callable[[str, Clause], str | None]] = {
    "place": lambda t, cl: clean_place(t),
    "org": lambda t, cl: clean_org(t),
    "name": lambda t, cl: valid_name(t),
    "lower": lambda t, cl: t.lower(),
    "squash": lambda t, cl: _squash(t),
    "diet": lambda t, cl: _diet(t),
    "species": lambda t, cl: _species(t),
    "hobbyist": lambda t, cl: lex.HOBBYISTS[_squash(t.lower())],
    "health_adjective": lambda t, cl: lex.HEALTH_ADJECTIVES[_squash(t.lower())],
    "words3": lambda t, cl: clean_value(t, max_words=3),
    "object6": lambda t, cl: object_value(t, cl, max_words=6),
}
_FIELDS = {"pattern", "key", "tags", "from", "value", "clean", "prefix", "date", "negated", "miss",
           "subjects", "singular_only"}


def _load() -> dict[str, dict]:
    text = Path(__file__).with_name("tables.toml").read_text(encoding="utf-8")
    rows = tomllib.loads(text)
    for name, row in rows.items():
        # A typo in the table fails at import, not silently at the first sentence it misses.
        unknown = set(row) - _FIELDS
        if unknown or not {"pattern", "key", "tags"} <= set(row) or ("from" in row) == ("value" in row):
            raise ValueError(f"tables.toml [{name}]: needs pattern, key, tags and one of from/value; unknown: {sorted(unknown)}")
        if row.get("clean") and row["clean"] not in CLEANERS:
            raise ValueError(f"tables.toml [{name}]: unknown clean {row['clean']!r}")
        if row.get("miss", "stop") not in ("stop", "next") or row.get("date", "past") != "past":
            raise ValueError(f"tables.toml [{name}]: miss must be 'next', date must be 'past'")
    return rows


ROWS: dict[str, dict] = _load()
_registered: set[str] = set()


def pattern_of(row: dict, extra: dict[str, str]) -> str:
    """The row's regex with its {NAME} building blocks spliced in."""
    blocks = FRAGMENTS | extra

    def splice(m: re.Match[str]) -> str:
        if m.group(1) not in blocks:
            raise KeyError(f"tables.toml: unknown building block {{{m.group(1)}}}")
        return blocks[m.group(1)]

    return _PLACEHOLDER.sub(splice, "".join(row["pattern"]))


def _handler(name: str, row: dict) -> Handler:
    key, tags, negated = row["key"], tuple(row["tags"]), bool(row.get("negated"))
    groups, const = tuple(row.get("from", ())), row.get("value")
    clean = CLEANERS[row["clean"]] if row.get("clean") else None
    prefix, date, keep_empty = row.get("prefix", ""), row.get("date"), row.get("miss", "stop") == "stop"

    def handler(m: re.Match[str], cl: Clause) -> list[Fact] | None:
        raw = const if const is not None else next((g for g in (m.group(x) for x in groups) if g), None)
        value = clean(raw, cl) if clean and raw is not None else raw
        if value and prefix:
            value = prefix + value
        if value and date:
            value = dated(value, when(cl, date))
        out = _f(cl, key, value, tags, negated=negated)
        # An empty value either ends the search (the rule matched, it says nothing) or hands the
        # clause on to the next rule, as the row's "miss" says.
        return out if out or keep_empty else None

    handler.__name__ = handler.__qualname__ = name  # the registry knows rules by name
    return handler


def table_rules(*names: str, **extra: str) -> None:
    """Register these rows, in this order, at this point of the rule order. `extra`: building
    blocks of the calling module (e.g. LIVE_WITH) that the rows' patterns name."""
    for name in names:
        if name not in ROWS:
            raise KeyError(f"tables.toml has no rule {name!r}")
        if name in _registered:
            raise ValueError(f"tables.toml rule {name!r} registered twice")
        row = ROWS[name]
        kwargs = {"singular_only": bool(row.get("singular_only"))}
        if "subjects" in row:
            kwargs["subjects"] = frozenset(row["subjects"])
        rule(pattern_of(row, extra), **kwargs)(_handler(name, row))
        _registered.add(name)


def unregistered() -> list[str]:
    """Rows no domain module registered: a row that is never tried is a mistake."""
    return [name for name in ROWS if name not in _registered]
