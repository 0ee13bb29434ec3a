"""The few frontmatter keys the index reads (title, aliases, tags), without building the whole YAML.

Parsing frontmatter with PyYAML (even its C parser: the objects are still built in Python) was the
largest single cost of reading a note for a cold index (~15 %, bench/index_bench.py). Most
frontmatter is plain `key: value` lines, `[a, b]` lists and `- item` lists; this reads exactly
that shape and answers what `yaml.load` would have given for the wanted keys. Anything else —
comments, anchors, tags, block scalars, nesting, escapes, multi-line values, quotes inside
values, a value whose type is not plainly a string — answers None, and the caller parses with
PyYAML as before. A document this accepts is one PyYAML loads without error: each plain scalar
is typed by PyYAML's own resolver, and one that is not a string (a date, a number) is built by
PyYAML's own constructor here, so a value that would fail (`created: 2024-02-30`) still sends the
note to the full parser, which reports it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

WANTED = frozenset({"title", "aliases", "alias", "tags", "tag"})  # what memd.index.parse reads

_STR = "tag:yaml.org,2002:str"
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
# Characters that make a document more than this reader knows: comments, anchors and aliases,
# tags, block scalars, flow mappings, directives, escapes, tabs, and line breaks YAML has
# besides "\n". PyYAML's own test for printable characters is applied too.
_UNKNOWN = re.compile("[#&*!|>%@`{}\\\\\t\r\x85\u2028\u2029\ufeff]"
                      "|[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]")
_KEY_LINE = re.compile(r"([A-Za-z](?:[A-Za-z0-9_ -]*[A-Za-z0-9_-])?):(?: +(.*))?")
_ITEM_LINE = re.compile(r"( *)- +(.+)")
_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`. ~=<+")  # a plain scalar may not start with these (here)


def read_fields(text: str) -> dict[str, Any] | None:
    """{key: value} for the WANTED keys `text` (the frontmatter between its fences) sets, as
    `yaml.safe_load` would build them; None when the text is not of the simple shape read here."""
    if _UNKNOWN.search(text):
        return None
    out: dict[str, Any] = {}
    key: str | None = None  # the key whose `- item` lines may follow
    items: list[Any] | None = None
    indent = -1
    for line in text.split("\n"):
        if not line.strip(" "):
            continue
        if items is not None:
            m = _ITEM_LINE.fullmatch(line)
            if m:
                if indent < 0:
                    indent = len(m.group(1))
                elif len(m.group(1)) != indent:
                    return None
                value = _scalar(m.group(2).rstrip(" "), key in WANTED, flow=False)
                if value is _NO:
                    return None
                items.append(value)
                continue
            if line[0] == " ":
                return None  # a nested mapping, a continuation line: not this reader's
            if key in WANTED:
                out[key] = items or None  # `key:` and no items: null
            items = None
        m = _KEY_LINE.fullmatch(line)
        if m is None:
            return None
        key = m.group(1)
        if not _string_key(key):
            return None  # `yes:`, `null:`: a key that is not a string
        rest = (m.group(2) or "").rstrip(" ")
        if not rest:
            items, indent = [], -1
            continue
        if rest[0] == "[":
            value = _flow_list(rest, key in WANTED)
        else:
            value = _scalar(rest, key in WANTED, flow=False)
        if value is _NO:
            return None
        if key in WANTED:
            out[key] = value
    if items is not None and key in WANTED:
        out[key] = items or None
    return out


class _No:
    pass


_NO = _No()  # "not this reader's": the caller parses with PyYAML


def _flow_list(rest: str, wanted: bool) -> Any:
    if not rest.endswith("]"):
        return _NO
    inner = rest[1:-1]
    if not inner.strip(" "):
        return []
    values = []
    for part in inner.split(","):
        value = _scalar(part.strip(" "), wanted, flow=True)
        if value is _NO:
            return _NO
        values.append(value)
    return values


_SEEN: dict[tuple[str, bool, bool], Any] = {}  # plain scalars already typed: dates and values repeat
_SEEN_MAX = 20_000
_KEYS: dict[str, bool] = {}  # keys already typed: a vault uses a few dozen (bounded like _SEEN)


def _string_key(key: str) -> bool:
    """Whether YAML reads `key` as a string (PyYAML's resolver, asked once per key)."""
    ok = _KEYS.get(key)
    if ok is None:
        ok = _RESOLVER.resolve(yaml.ScalarNode, key, (True, False)) == _STR
        if len(_KEYS) >= _SEEN_MAX:
            _KEYS.clear()
        _KEYS[key] = ok
    return ok


def _scalar(s: str, wanted: bool, *, flow: bool) -> Any:
    """One scalar as PyYAML builds it, or _NO."""
    value = _SEEN.get((s, wanted, flow), _NO)
    if value is _NO:
        value = _typed(s, wanted, flow)
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[(s, wanted, flow)] = value
    return value


def _typed(s: str, wanted: bool, flow: bool) -> Any:
    if not s:
        return _NO
    q = s[0]
    if q in "\"'":
        if len(s) < 2 or s[-1] != q or q in s[1:-1]:
            return _NO  # an escape, or text after the closing quote
        return s[1:-1]
    if q in _PLAIN_START or ": " in s or s.endswith(":") or '"' in s or "[" in s or "]" in s:
        return _NO
    if flow and ("," in s or ":" in s):
        return _NO
    tag = _RESOLVER.resolve(yaml.ScalarNode, s, (True, False))
    if tag == _STR:
        return s
    if wanted:
        return _NO  # a title or tag that YAML reads as a date or number: PyYAML decides how
    build = SafeConstructor.yaml_constructors.get(tag)
    if build is None:
        return _NO
    try:  # built only to know that it can be: an invalid date makes the whole frontmatter fail
        build(_CONSTRUCTOR, yaml.ScalarNode(tag, s))
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        return _NO
    return None
