"""Frontmatter: found, read and never rewritten.

memd never adds frontmatter to a file it did not create and never reformats a user's: it only
locates the block (so edits go below it) and reads a few keys (title, aliases, tags). YAML is
parsed with libyaml's C loader when present, because the index reads thousands of notes.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:  # libyaml ships in PyYAML's wheels; fall back quietly where it does not.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def frontmatter_end(lines: list[str]) -> int:
    """Index of the first line after the frontmatter block, or 0 when there is none.

    `lines` are without line endings. The block opens with `---` on the first line and closes at
    the next `---` or `...` line; an unclosed block is not frontmatter (Obsidian agrees).
    """
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


_TEMPLATE_TAG = re.compile(r"\{\{[^{}\n]*\}\}|<%[^%\n]*%>")


def parse_yaml(text: str) -> tuple[dict[str, Any], str | None]:
    """(mapping, error). Malformed or non-mapping frontmatter gives ({}, reason).

    Template notes hold placeholders (`created: {{date}}`, Templater's `<% tp.date.now() %>`)
    that are not valid YAML; they are read as empty strings rather than reported as broken.
    """
    data, err = _load(text)
    if err and _TEMPLATE_TAG.search(text):
        data2, err2 = _load(_TEMPLATE_TAG.sub('""', text))
        if err2 is None:
            return data2, None
    return data, err


def _load(text: str) -> tuple[dict[str, Any], str | None]:
    if not text.strip():
        return {}, None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        return {}, f"malformed frontmatter{where}"
    except (ValueError, TypeError, RecursionError):
        return {}, "malformed frontmatter"
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return {}, "frontmatter is not a key/value mapping"
    return data, None


def string_list(value: Any) -> list[str]:
    """A frontmatter value that may be a string, a list, or a comma-separated string, as strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]
