"""Notion rich text (a list of runs with annotations) to markdown, and ids out of links.

Markers go around the run's text without its outer whitespace (`**bold** `, never `**bold **`,
which is not emphasis in CommonMark or Obsidian); adjacent runs with the same annotation are
joined first so `**a****b**` never appears. Links to Notion pages and page mentions become the
writer's `[[notion:<id>|label]]` placeholders (a link to a block becomes `#^<block id>`).
"""

from __future__ import annotations

import re
from typing import Any

from .inline import escape_text
from .model import LINK_PREFIX

_HEX32 = re.compile(r"[0-9a-f]{32}")
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_NOTION_HOST = re.compile(r"^(?:https?://)?(?:[\w-]+\.)?notion\.(?:so|site|com)(?:/|$)", re.I)
_ORDER = ("code", "bold", "italic", "strikethrough", "underline", "highlight")


def compact_id(value: str | None) -> str | None:
    """A Notion id (dashed or not) as 32 lowercase hex digits, or None."""
    if not value:
        return None
    m = _UUID.search(value)
    return m.group(0).replace("-", "").lower() if m else None


def id_from_ref(ref: str) -> str | None:
    """The page/database id named by `--page`: a bare id or a Notion URL (the last 32-hex run in
    its path, so `?v=<view id>` and `#<block>` are never taken for the page)."""
    ref = ref.strip()
    if "://" in ref or _NOTION_HOST.match(ref):
        path = re.split(r"[?#]", ref.split("://", 1)[-1], maxsplit=1)[0]
        found = _UUID.findall(path)
        return found[-1].replace("-", "").lower() if found else None
    return compact_id(ref) if _UUID.fullmatch(ref) else None


def notion_link_target(href: str) -> tuple[str, str | None] | None:
    """(page id, block id or None) when `href` points inside Notion ("/<id>", notion.so, app.notion.com)."""
    if not (href.startswith("/") or _NOTION_HOST.match(href)):
        return None
    main, _, fragment = href.partition("#")
    path = main.split("?", 1)[0]
    found = _UUID.findall(path)
    if not found:
        return None
    block = compact_id(fragment) if fragment else None
    return found[-1].replace("-", "").lower(), block


def placeholder(page_id: str, label: str, block: str | None = None) -> str:
    label = " ".join(label.split()).replace("]", ")").replace("[", "(").replace("|", "/")
    anchor = f"#^{block}" if block else ""
    return f"[[{LINK_PREFIX}{page_id}{anchor}|{label}]]"


def plain(rich: list[dict[str, Any]] | None) -> str:
    return "".join(run.get("plain_text") or "" for run in rich or [])


def _escape(text: str) -> str:
    """Plain text stays plain: the export converter's escaping (emphasis markers, `[[`, a `#`
    that would start a heading or a tag)."""
    return escape_text(text)


def _marks(run: dict[str, Any]) -> tuple[str, ...]:
    a = run.get("annotations") or {}
    marks = [m for m in ("code", "bold", "italic", "strikethrough", "underline") if a.get(m)]
    if str(a.get("color") or "").endswith("_background"):
        marks.append("highlight")
    return tuple(m for m in _ORDER if m in marks)


_OPEN = {"bold": "**", "italic": "*", "strikethrough": "~~", "underline": "<u>", "highlight": "=="}
_CLOSE = {"bold": "**", "italic": "*", "strikethrough": "~~", "underline": "</u>", "highlight": "=="}


def _code_span(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _run_text(run: dict[str, Any]) -> str:
    """The run's own markdown (link or mention included), before emphasis markers."""
    kind = run.get("type")
    text = run.get("plain_text") or ""
    if kind == "equation":
        expr = ((run.get("equation") or {}).get("expression") or text).strip()
        return f"${expr}$" if expr else ""
    if kind == "mention":
        return _mention(run)
    href = run.get("href") or ((run.get("text") or {}).get("link") or {}).get("url")
    code = "code" in _marks(run)
    body = _code_span(text) if code else _escape(text)
    if href:
        target = notion_link_target(href)
        if target:
            return placeholder(target[0], text, target[1])
        return f"[{body.replace(']', chr(92) + ']')}]({href.replace(' ', '%20').replace(')', '%29')})"
    return body


def _mention(run: dict[str, Any]) -> str:
    m = run.get("mention") or {}
    kind = m.get("type")
    text = run.get("plain_text") or ""
    if kind in ("page", "database"):
        target = compact_id((m.get(kind) or {}).get("id"))
        return placeholder(target, text or "Untitled") if target else _escape(text)
    if kind == "date":
        d = m.get("date") or {}
        start, end = d.get("start") or "", d.get("end")
        return f"{start} → {end}" if end else start or text
    if kind == "user":
        return "@" + ((m.get("user") or {}).get("name") or text.lstrip("@") or "someone")
    if kind == "link_preview":
        url = (m.get("link_preview") or {}).get("url") or run.get("href") or text
        return f"<{url}>" if url else ""
    if kind == "link_mention":
        lm = m.get("link_mention") or {}
        url = lm.get("href") or run.get("href") or ""
        return f"[{lm.get('title') or text or url}]({url})" if url else _escape(text)
    href = run.get("href")
    return f"[{_escape(text)}]({href})" if href and text else _escape(text)


def render(rich: list[dict[str, Any]] | None) -> str:
    """Markdown for a list of rich-text runs."""
    pieces: list[tuple[tuple[str, ...], str]] = []
    for run in rich or []:
        text = _run_text(run)
        marks = tuple(m for m in _marks(run) if m != "code")
        if pieces and pieces[-1][0] == marks:
            pieces[-1] = (marks, pieces[-1][1] + text)   # same marks: one span, never `==a====b==`
        else:
            pieces.append((marks, text))
    out = []
    for marks, text in pieces:
        if not marks or not text.strip():
            out.append(text)
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        core = text.strip()
        opening = "".join(_OPEN[m] for m in marks)
        closing = "".join(_CLOSE[m] for m in reversed(marks))
        out.append(f"{lead}{opening}{core}{closing}{trail}")
    return "".join(out)
