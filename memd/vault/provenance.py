"""The compact source link memd puts at the end of a fact line it writes.

    - employer: Stripe [[memory-sources/chatgpt/2024-05-01 Trip#^t12|↗]]

One click in Obsidian leads from a fact to the transcript turn it was read from, and the line
stays readable (the link shows as a single ↗). mem-agent models read it as the trailing link it
is. Everything that reads a fact's *value* (the memory file parser, the index's fact units,
get_entity) strips it first, so values, comparisons and search text never include it.

The ↗ alias is what marks a link as provenance: a link a person wrote at the end of a value
(`- friend: [[entities/bob.md]]`) is part of the value and is left alone.
"""

from __future__ import annotations

import re

MARK = "↗"
_TRAILING = re.compile(r"[ \t]+\[\[([^\[\]|\n]+)\|" + MARK + r"\]\][ \t]*$")
_BARE = re.compile(r"^!?\[\[([^\[\]|\n]+?)(?:\|[^\[\]\n]*)?\]\]$")


def split(text: str) -> tuple[str, str | None]:
    """(`text` without a trailing provenance link, the link's target or None)."""
    m = _TRAILING.search(text)
    if not m:
        return text, None
    return text[:m.start()].rstrip(), m.group(1).strip()


def strip(text: str) -> str:
    return split(text)[0]


def compact(source_link: str | None) -> str | None:
    """A source's vault link (`[[note#^t12]]`, as the extraction loop records it) in the form
    memd appends to a line (`[[note#^t12|↗]]`); None when there is no usable link."""
    if not source_link:
        return None
    m = _BARE.match(source_link.strip())
    if not m or not m.group(1).strip():
        return None
    return f"[[{m.group(1).strip()}|{MARK}]]"


def target_of(link: str | None) -> str | None:
    """The note a provenance link points at, without its block: `memory-sources/x`."""
    if not link:
        return None
    m = _BARE.match(link.strip())
    target = m.group(1) if m else link
    return target.split("#", 1)[0].strip() or None


def with_link(line: str, link: str | None) -> str:
    """`line` ending in `link` (any provenance link it had is replaced; None: removed)."""
    bare = strip(line.rstrip())
    return f"{bare} {link}" if link else bare
