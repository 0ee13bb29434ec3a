"""The word lists of the predicate rules, kept as data in words.toml.

Lists of verbs, adverbs and nouns read better as lists than as regex strings or triple-quoted
word runs in the middle of the code. `alternation` joins a list of regex pieces in its order (the
order a regex tries them in); `word_set` reads a list of plain words as a set.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

WORDS: dict[str, list[str]] = tomllib.loads(Path(__file__).with_name("words.toml").read_text(encoding="utf-8"))


def alternation(name: str) -> str:
    """'a|b|c' from the list `name`, in its order."""
    return "|".join(WORDS[name])


def word_set(name: str) -> frozenset[str]:
    return frozenset(WORDS[name])
