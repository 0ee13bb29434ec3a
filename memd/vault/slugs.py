"""Entity slugs: the file names of memory/entities/<slug>.md.

Stable (the same name always gives the same slug), snake_case, safe on every file system, and
sensible for non-Latin names: accents are folded ("José Núñez" -> jose_nunez) but scripts
without an ASCII form are kept as letters ("Дмитрий" -> дмитрий, "山田太郎" -> 山田太郎) rather than
turned into an unreadable hash. Collisions are resolved by the caller with `unique_slug`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Callable

MAX_SLUG_CHARS = 80
# Windows reserved device names: a file called con.md cannot be created there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_SPECIAL_FOLDS = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
                                "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "œ": "oe", "Œ": "oe", "&": " and "})


def slugify(name: str) -> str:
    """snake_case slug for an entity name; never empty."""
    text = unicodedata.normalize("NFKC", name).translate(_SPECIAL_FOLDS)
    out: list[str] = []
    for ch in text:
        parts = unicodedata.normalize("NFKD", ch)
        if parts[0].isascii() and parts[0].isalnum():
            ch = parts[0]  # a Latin letter with accents: é -> e (but Cyrillic й stays й)
        out.append(ch.lower() if ch.isalnum() else "_")
    slug = re.sub(r"_+", "_", "".join(out)).strip("_")
    slug = unicodedata.normalize("NFC", slug)
    if len(slug) > MAX_SLUG_CHARS:
        digest = hashlib.sha1(slug.encode()).hexdigest()[:8]
        slug = slug[: MAX_SLUG_CHARS - 9].rstrip("_") + "_" + digest
    if not slug:
        # Only punctuation or symbols (e.g. "???"): a stable name derived from the input.
        slug = "entity_" + hashlib.sha1(name.encode()).hexdigest()[:8]
    if slug in _RESERVED:
        slug += "_"
    return slug


def unique_slug(name: str, taken: Callable[[str], bool]) -> str:
    """The slug for `name`, suffixed _2, _3... while `taken(slug)` says another entity owns it."""
    base = slugify(name)
    slug, n = base, 2
    while taken(slug):
        slug = f"{base}_{n}"
        n += 1
    return slug
