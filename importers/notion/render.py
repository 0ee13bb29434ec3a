"""Turn a NotionPage whose place in the vault is known into the note's text.

Placeholders from the model (model.py) are resolved here: `[[notion:<id>|label]]` becomes a
wikilink to that page's note (its bare name when no other imported page has the same name,
its vault path otherwise), a link to a page outside the import becomes a notion.so link, and
`![[attachment:<key>]]` becomes an embed of the copied file.

Paragraphs the extraction loop will read get a block anchor (`^m…`, from their text), so a fact
links back to the exact block it came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

import yaml

from .model import NotionPage

PLACEHOLDER = re.compile(r"(!?)\[\[(notion|attachment):([^\]|#]+)(#\^[A-Za-z0-9-]+)?(?:\|([^\]]*))?\]\]")
RESERVED_KEYS = ("title", "notion_id", "aliases", "notion_url", "last_edited", "notion_database")
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|I'll|my|me|mine|myself)\b")
_ANCHOR = re.compile(r"\s\^([A-Za-z0-9-]+)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")


_Base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter where present


class _Dumper(_Base):  # type: ignore[misc, valid-type]
    """YAML as Obsidian's properties read it: dates bare, datetimes with a T, no line folding."""


def _repr_datetime(dumper: Any, value: dt.datetime) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(dt.datetime, _repr_datetime)


def frontmatter(data: dict[str, Any]) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=1 << 30)
    return f"---\n{text}---\n"


def wikilink(target: str, label: str | None, anchor: str = "") -> str:
    """`[[target#^anchor|label]]`, the label left out where Obsidian would show the same."""
    label = (label or "").replace("|", "-").replace("]", "").replace("[", "").strip()
    if not label or (label == target and not anchor):  # a path is shown whole: it keeps its label
        return f"[[{target}{anchor}]]"
    return f"[[{target}{anchor}|{label}]]"


Resolver = Callable[[str, str, str, bool], str]


def resolve_placeholders(text: str, resolve: Resolver) -> str:
    """Every placeholder in `text` replaced by `resolve(kind, ref, anchor, embed)`'s answer
    (the label is passed through `anchor`'s sibling: see `_sub`)."""

    def sub(m: re.Match[str]) -> str:
        embed, kind, ref, anchor, label = m.group(1) == "!", m.group(2), m.group(3), m.group(4) or "", m.group(5)
        return resolve(kind, ref, anchor + "\x00" + (label or ""), embed)

    return PLACEHOLDER.sub(sub, text)


def resolve_value(value: Any, resolve: Resolver) -> Any:
    if isinstance(value, str):
        return resolve_placeholders(value, resolve)
    if isinstance(value, list):
        return [resolve_value(v, resolve) for v in value]
    return value


def note_properties(page: NotionPage, resolve: Resolver) -> dict[str, Any]:
    """A row's properties, resolved; a name memd uses itself gets ` (notion)` appended."""
    out: dict[str, Any] = {}
    for name, value in page.properties.items():
        key = f"{name} (notion)" if name in RESERVED_KEYS else name
        out[key] = resolve_value(value, resolve)
    return out


def anchor_blocks(body: str) -> tuple[str, list[tuple[str, str]]]:
    """The body with an anchor on each first-person paragraph or list item outside code, and
    those blocks as (anchor, text). An anchor Notion already had (a linked block) is kept."""
    lines = body.split("\n")
    blocks: list[tuple[str, str]] = []
    used: set[str] = set()
    in_code = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
            i += 1
            continue
        if in_code or not line.strip() or line.lstrip()[:1] in "#|>$<!" or line.strip() in ("---", "***"):
            i += 1
            continue
        # A paragraph: lines up to a blank one (a list item is a block of its own).
        j = i + 1
        if not _LIST_ITEM.match(line):
            while j < len(lines) and lines[j].strip() and not _LIST_ITEM.match(lines[j]) \
                    and lines[j].lstrip()[:1] not in "#|>" and not lines[j].lstrip().startswith("```"):
                j += 1
        last = j - 1
        text = " ".join(_LIST_ITEM.sub("", l).strip() for l in lines[i:j])
        have = _ANCHOR.search(lines[last])
        text = _ANCHOR.sub("", text).strip()
        if _FIRST_PERSON.search(text):
            if have:
                anchor = have.group(1)
            else:
                anchor = "m" + hashlib.sha1(text.encode()).hexdigest()[:8]
                n = 2
                while anchor in used:
                    anchor = f"m{hashlib.sha1(text.encode()).hexdigest()[:8]}-{n}"
                    n += 1
                lines[last] = f"{lines[last].rstrip()} ^{anchor}"
            used.add(anchor)
            blocks.append((anchor, text))
        i = j
    return "\n".join(lines), blocks


def base_file(folder: str, columns: list[str], name: str) -> str:
    """An Obsidian Bases file showing the database's rows (the notes in `folder`) as a table,
    columns in Notion's order."""
    data = {
        "filters": {"and": [f'file.inFolder("{folder}")', 'file.ext == "md"']},
        "views": [{"type": "table", "name": name, "order": ["file.name", *[f"note.{c}" for c in columns]]}],
    }
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 30)


def page_date(page: NotionPage) -> str | None:
    """The day a page speaks of, for relative dates in it: a journal page's date in its title or
    a Date property; else when it was last edited."""
    m = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", page.title)
    if m:
        return m.group(1) + "T12:00:00Z"
    for name, value in page.properties.items():
        if name.lower() in ("date", "day", "created", "created time") and isinstance(value, (dt.date, str)):
            text = value.isoformat() if isinstance(value, dt.date) else value
            if re.match(r"\d{4}-\d{2}-\d{2}", text):
                return text[:10] + "T12:00:00Z" if len(text) == 10 else text
    return page.last_edited
