"""Notion's "Markdown & CSV" export page -> Markdown with the model's placeholders.

The export is Markdown already; what needs work: the title is the first `# ` line; a database
row's properties are plain `Key: Value` lines under it (not YAML); links to other pages and to
attachments are percent-encoded relative paths (`[Sub](Page%20abc…/Sub%20def….md)`,
`![](Page%20abc…/Untitled.png)`); callouts are raw `<aside>` HTML; and a link may point to
notion.so (`…-<id>?pvs=21`) for a page that is in the export after all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .inline import CALLOUT_TYPES

Links = Callable[[str], tuple[str, str, str] | None]

_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\)")
_ASIDE = re.compile(r"<aside>\s*(.*?)\s*</aside>", re.S)
_IMG_TAG = re.compile(r"<img[^>]*alt=\"([^\"]*)\"[^>]*/?>|<img[^>]*/?>")
_PROPERTY = re.compile(r"^([^:\n]{1,100}): (.*)$")


@dataclass
class MdPage:
    title: str
    body: str
    raw_properties: dict[str, str] = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)


def convert_md(text: str, links: Links, property_names: set[str] | None = None) -> MdPage:
    """`property_names`: the database's columns when the page is a row (its `Key: Value` lines
    are properties only then; on another page such a line is the user's text)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    title = ""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].startswith("# "):
        title = lines[i][2:].strip()
        i += 1
    props: dict[str, str] = {}
    if property_names:
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        k = j
        while k < len(lines):
            m = _PROPERTY.match(lines[k])
            if not m or m.group(1) not in property_names:
                break
            props[m.group(1)] = m.group(2)
            k += 1
        if props:
            i = k
    page = MdPage(title=title, body="", raw_properties=props)
    body = "\n".join(lines[i:]).strip("\n")
    body = _ASIDE.sub(lambda m: _callout(m.group(1)), body)
    page.body = _links(body, links, page.attachments)
    return page


def _callout(inner: str) -> str:
    inner = _IMG_TAG.sub("", inner).strip()  # Notion's icon image: the emoji after it says the type
    icon = ""
    first = inner.split(maxsplit=1)[0] if inner else ""
    if first in CALLOUT_TYPES:
        icon, inner = first, inner[len(first):].strip()
    kind = CALLOUT_TYPES.get(icon, "note")
    body = "\n".join(f"> {l}" if l else ">" for l in inner.split("\n"))
    return f"> [!{kind}]\n{body}"


def _links(body: str, links: Links, attachments: list[str]) -> str:
    out = []
    in_code = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        out.append(line if in_code else _LINK.sub(lambda m: _one(m, links, attachments), line))
    return "\n".join(out)


def _one(m: re.Match[str], links: Links, attachments: list[str]) -> str:
    embed, label, href = m.group(1) == "!", m.group(2), m.group(3)
    target = links(href)
    if target is None:
        return m.group(0)
    kind, ref, anchor = target
    if kind == "attachment":
        attachments.append(ref)
        return f"![[attachment:{ref}]]" if embed else f"[[attachment:{ref}|{label}]]"
    return f"[[notion:{ref}{'#^' + anchor if anchor else ''}|{label}]]"
