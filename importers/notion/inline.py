"""Small text helpers shared by the HTML and Markdown converters."""

from __future__ import annotations

import re

# Callout icons -> Obsidian callout types (the common emoji; anything else is a note).
CALLOUT_TYPES = {
    "💡": "tip", "⚠️": "warning", "⚠": "warning", "❗": "important", "❌": "danger", "🚨": "danger",
    "✅": "success", "✔️": "success", "ℹ️": "info", "ℹ": "info", "❓": "question", "📝": "note",
    "🔥": "important", "📌": "important", "🐛": "bug", "📖": "quote", "💬": "quote",
}

_SPECIAL = re.compile(r"(\*|`|\\|~~|==|\[\[|\]\]|^#|(?<=\s)#(?=\w))", re.M)


def escape_text(text: str) -> str:
    """Plain text that stays plain in Markdown: emphasis markers, wikilink brackets and a `#`
    that would start a heading or a tag are escaped. (Notion's HTML has no layout whitespace; a
    newline in a text run is a line break the user typed.)"""
    text = text.replace("\r\n", "\n")
    return _SPECIAL.sub(lambda m: "".join("\\" + c for c in m.group(0)), text)


def emphasis(inner: str, marker: str, close: str | None = None) -> str:
    """`inner` wrapped in `marker`, with its leading and trailing whitespace moved outside the
    markers (`** bold **` is not bold in Markdown; ` **bold** ` is)."""
    if not inner.strip():
        return inner
    stripped = inner.strip()
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{marker}{stripped}{close if close is not None else marker}{trail}"
