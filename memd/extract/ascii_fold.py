"""Read accented text with ASCII patterns, and give the person's own spelling back.

The rules patterns are written with ASCII letter classes (`[A-Z][a-z]+` for a name or a place).
Fed "I moved to Malmö", such a class stops at the ö and the value written was "Malm": a broken
fact. Rather than make a few hundred patterns Unicode-aware one by one (and miss some), the rules
backend reads an ASCII fold of every turn -- each Latin letter with a diacritic replaced by its
base letter, "Malmö" -> "Malmo" -- and maps each word of what it extracted back to the word the
person wrote ("Malmo" -> "Malmö"). Keys and tags are never mapped: they are memd's vocabulary.

A word is mapped back only when the fold is unambiguous: if the same text also holds the plain
ASCII word ("Muller" beside "Müller"), the extracted word is left as it was read. Scripts that do
not fold to ASCII (Cyrillic, Greek, CJK) are left untouched; the patterns do not match them, so
they write nothing rather than a fragment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache
from typing import Any, Iterable

# Latin letters that do not decompose into a base letter plus a mark.
_SPECIAL = {
    "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "s", "æ": "a", "Æ": "A", "œ": "o", "Œ": "O",
    "đ": "d", "Đ": "D", "þ": "t", "Þ": "T", "ð": "d", "Ð": "D", "ı": "i", "ħ": "h", "Ħ": "H",
}
_WORD = re.compile(r"\w+")
_ASCII_WORD = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    if c in _SPECIAL:
        return _SPECIAL[c]
    if unicodedata.category(c) == "Mn":
        return ""  # a combining mark of already-decomposed text: "u\u0308" reads as "u"
    base = unicodedata.normalize("NFD", c)[0]
    return base if base.isascii() and base.isalpha() else c


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


# Texts up to this length are cached (the same recent turns are folded again for every decision
# that reads them); a long pasted document is folded each time rather than kept alive in a cache.
_CACHED_CHARS = 4000


def fold(text: str) -> str:
    """`text` with every foldable Latin letter replaced by its ASCII base letter."""
    if text.isascii():
        return text
    return _fold_cached(text) if len(text) <= _CACHED_CHARS else _fold(text)


def _fold(text: str) -> str:
    return _NON_ASCII.sub(lambda m: "".join(map(_fold_char, m.group())), text)


_fold_cached = lru_cache(maxsize=2048)(_fold)


def _words_of(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    return _words_cached(text) if len(text) <= _CACHED_CHARS else _read_words(text)


def _read_words(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """The plain ASCII words of one text, and (folded, written) for each word the fold changed."""
    if text.isascii():
        return frozenset(_ASCII_WORD.findall(text)), ()
    plain: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for word in _WORD.findall(text):
        if word.isascii():
            plain.add(word)
            continue
        folded = fold(word)
        if folded == word or not folded.isascii():
            continue
        pairs += [(folded, word), (folded.lower(), word.lower()),
                  (folded[:1].upper() + folded[1:], word[:1].upper() + word[1:])]
    return frozenset(plain), tuple(pairs)


_words_cached = lru_cache(maxsize=2048)(_read_words)


def word_map(texts: Iterable[str | None]) -> dict[str, str]:
    """Folded word -> the word as written, for every word of `texts` the fold changed."""
    out: dict[str, str] = {}
    plain: set[str] = set()
    for text in texts:
        if not text:
            continue
        words, pairs = _words_of(text)
        plain.update(words)
        for f, w in pairs:
            if out.get(f, w) != w:
                plain.add(f)  # two spellings fold alike: ambiguous, leave it
            out.setdefault(f, w)
    for f in plain:
        out.pop(f, None)
    return out


def unfold(text: str, back: dict[str, str]) -> str:
    if not back or not text:
        return text
    return _ASCII_WORD.sub(lambda m: back.get(m.group(0), m.group(0)), text)


def folded_request(request: Any) -> tuple[Any, dict[str, str]]:
    """The request with every turn's text, author and the user's names folded, and the map back.
    A request that is all ASCII comes back as it is, with an empty map (the common case: free)."""
    turns = [request.new_turn, *request.recent, *request.buffered]
    names = [n for n in request.user_names if n]
    # Text whose only non-ASCII is punctuation ("…", curly quotes) folds to itself: nothing to do.
    if all(fold(t.text) == t.text and fold(t.author or "") == (t.author or "") for t in turns) \
            and all(fold(n) == n for n in names):
        return request, {}
    back = word_map([t.text for t in turns] + [t.author for t in turns] + names)

    def f(t: Any) -> Any:
        return replace(t, text=fold(t.text), author=fold(t.author) if t.author else t.author)

    return replace(request, new_turn=f(request.new_turn), recent=[f(t) for t in request.recent],
                   buffered=[f(t) for t in request.buffered], user_names=[fold(n) for n in names]), back


_VALUE_TAG_PREFIXES = ("replaces:",)


def unfold_items(arguments: dict[str, Any], back: dict[str, str]) -> dict[str, Any]:
    """An add_memory call's items with values, entity names and old values in the person's spelling."""
    if not back:
        return arguments
    items = []
    for it in arguments.get("memory_list") or []:
        it = dict(it)
        it["value"] = unfold(it["value"], back)
        if it.get("entity"):
            it["entity"] = unfold(it["entity"], back)
        it["tags"] = [next((p + unfold(t[len(p):], back) for p in _VALUE_TAG_PREFIXES if t.startswith(p)), t)
                      for t in it.get("tags") or []]
        items.append(it)
    out = dict(arguments, memory_list=items)
    if "summary" in out:
        out["summary"] = unfold(out["summary"], back)
    return out
