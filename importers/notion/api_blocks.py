"""Notion API blocks to markdown (the same conventions as the export's HTML converter).

Input: a page's top-level blocks as the API returns them, each with its children already fetched
into `block["children"]` (api_fetch does that) and, for a Notion-hosted file it downloaded, the
attachment key in `block["_attachment"]`. Output: markdown with the writer's placeholders
(`[[notion:<id>|label]]`, `![[attachment:<key>]]`).

Choices, where markdown has no one answer:
* toggles are foldable callouts `> [!note]- title`; a toggleable heading stays a heading (Obsidian
  folds headings itself) with its content under it;
* callouts are typed by their icon (💡 tip, ⚠️ warning, ...), the icon kept otherwise;
* columns are flattened in reading order; a synced block shows its content where it is used;
* to-dos are `- [ ]` / `- [x]`; nested list content is indented four spaces;
* a table of contents lists `[[#heading]]` links to the page's headings;
* a block type this converter does not know keeps its text if it has any, otherwise nothing
  (and is counted in `Converter.unknown`): no guessed markup.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .api_richtext import compact_id, placeholder, plain, render
from .inline import CALLOUT_TYPES as _CALLOUT_TYPES

_LANGUAGES = {"plain text": "", "c++": "cpp", "c#": "csharp", "f#": "fsharp", "objective-c": "objectivec",
              "shell": "shell", "vb.net": "vbnet", "visual basic": "vb", "java/c/c++/c#": "java",
              "markup": "html", "webassembly": "wasm", "notion formula": ""}
_LIST_KINDS = {"bulleted_list_item", "numbered_list_item", "to_do"}
_INLINE_ANCHOR = _LIST_KINDS | {"paragraph"}   # these end their own line with ` ^id`
_MEDIA = {"image", "video", "audio", "pdf", "file"}
_HEADINGS = {"heading_1": 1, "heading_2": 2, "heading_3": 3, "heading_4": 4}
INDENT = "    "


def _indent(text: str, prefix: str, first: str | None = None) -> str:
    lines = text.split("\n")
    head = (first if first is not None else prefix) + lines[0]
    return "\n".join([head] + [(prefix + line) if line else "" for line in lines[1:]])


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def heading_link_text(text: str) -> str:
    """A heading as Obsidian's `[[#...]]` link matches it (characters links cannot hold dropped)."""
    return " ".join(re.sub(r"[#|^:\[\]]|%%", " ", text).split())


class Converter:
    """One page's blocks to markdown; `unknown` counts block types it could not render."""

    def __init__(self, targets: set[str] | frozenset[str] = frozenset()) -> None:
        self.unknown: Counter[str] = Counter()
        self.targets = targets         # block ids (32 hex) some page links to: they get a `^anchor`
        self._headings: list[tuple[int, str]] = []

    def _anchor(self, b: dict[str, Any]) -> str:
        bid = compact_id(b.get("id"))
        return f" ^{bid}" if bid and bid in self.targets else ""

    def page(self, blocks: list[dict[str, Any]]) -> str:
        self._headings = []
        self._collect_headings(blocks)
        return self.blocks(blocks).strip("\n")

    def _collect_headings(self, blocks: list[dict[str, Any]]) -> None:
        for b in blocks:
            level = _HEADINGS.get(b.get("type", ""))
            if level:
                text = plain((b.get(b["type"]) or {}).get("rich_text"))
                if text.strip():
                    self._headings.append((level, text))
            if b.get("type") not in ("child_page", "child_database"):
                self._collect_headings(b.get("children") or [])

    # -- sequences -------------------------------------------------------------------------------
    def blocks(self, blocks: list[dict[str, Any]]) -> str:
        parts: list[tuple[bool, str]] = []   # (is a list item, markdown)
        number = 0
        for b in blocks:
            kind = b.get("type", "")
            number = number + 1 if kind == "numbered_list_item" else 0
            text = self.block(b, number)
            if text and kind not in _INLINE_ANCHOR and self._anchor(b):
                text += "\n\n" + self._anchor(b).strip()   # Obsidian: a block's id on a line after it
            if text:
                parts.append((kind in _LIST_KINDS, text))
        out = []
        for i, (is_item, text) in enumerate(parts):
            if i:
                out.append("\n" if is_item and parts[i - 1][0] else "\n\n")
            out.append(text)
        return "".join(out)

    def _children(self, b: dict[str, Any]) -> str:
        return self.blocks(b.get("children") or [])

    # -- one block -------------------------------------------------------------------------------
    def block(self, b: dict[str, Any], number: int = 0) -> str:
        kind = b.get("type", "")
        data = b.get(kind) or {}
        handler = getattr(self, f"_b_{kind}", None)
        if handler is not None:
            return handler(b, data, number)
        if kind in _MEDIA:
            return self._media(b, kind, data)
        # unknown (transcription, meeting_notes, template, unsupported, ...): its text, if any
        self.unknown[kind or "?"] += 1
        text = render(data.get("rich_text")) if isinstance(data, dict) else ""
        rest = self._children(b)
        return "\n\n".join(t for t in (text, rest) if t)

    def _b_paragraph(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        # trailing spaces would be a hard line break in markdown
        text = "\n".join(line.rstrip() for line in render(data.get("rich_text")).split("\n"))
        text += self._anchor(b) if text else ""
        kids = self._children(b)
        return "\n\n".join(t for t in (text, kids) if t.strip())

    def _heading(self, b: dict[str, Any], data: dict[str, Any], level: int) -> str:
        text = render(data.get("rich_text")).replace("\n", " ").strip()
        kids = self._children(b)
        line = f"{'#' * level} {text}" if text else ""
        return "\n\n".join(t for t in (line, kids) if t)

    def _b_heading_1(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._heading(b, data, 1)

    def _b_heading_2(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._heading(b, data, 2)

    def _b_heading_3(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._heading(b, data, 3)

    def _b_heading_4(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._heading(b, data, 4)

    def _item(self, marker: str, b: dict[str, Any], data: dict[str, Any]) -> str:
        text = render(data.get("rich_text")) + self._anchor(b)
        head = _indent(text, INDENT, first=marker) if text else marker.rstrip()
        kids = self._children(b)
        return head + ("\n" + _indent(kids, INDENT) if kids else "")

    def _b_bulleted_list_item(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._item("- ", b, data)

    def _b_numbered_list_item(self, b: dict[str, Any], data: dict[str, Any], number: int) -> str:
        return self._item(f"{max(number, 1)}. ", b, data)

    def _b_to_do(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._item("- [x] " if data.get("checked") else "- [ ] ", b, data)

    def _b_toggle(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        title = render(data.get("rich_text")).replace("\n", " ").strip()
        kids = self._children(b)
        head = f"> [!note]- {title}".rstrip()
        return head + ("\n" + _quote(kids) if kids else "")

    def _b_quote(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        text = render(data.get("rich_text"))
        kids = self._children(b)
        return _quote("\n\n".join(t for t in (text, kids) if t)) if (text or kids) else ""

    def _b_callout(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        icon = data.get("icon") or {}
        emoji = icon.get("emoji") if icon.get("type") == "emoji" else None
        kind = _CALLOUT_TYPES.get(emoji or "", "note")
        title = "" if emoji and emoji in _CALLOUT_TYPES else (emoji or "")
        text = render(data.get("rich_text"))
        kids = self._children(b)
        body = "\n\n".join(t for t in (text, kids) if t)
        return f"> [!{kind}] {title}".rstrip() + ("\n" + _quote(body) if body else "")

    def _b_code(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        code = plain(data.get("rich_text"))
        lang = str(data.get("language") or "").strip().lower()
        lang = _LANGUAGES.get(lang, lang.replace(" ", "-"))
        longest = max((len(m) for m in re.findall(r"^\s*(`{3,})", code, re.M)), default=0)
        fence = "`" * max(3, longest + 1)
        out = f"{fence}{lang}\n{code}\n{fence}"
        caption = render(data.get("caption"))
        return f"{out}\n\n{caption}" if caption else out

    def _b_equation(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        expr = str(data.get("expression") or "").strip()
        return f"$$\n{expr}\n$$" if expr else ""

    def _b_divider(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return "---"

    def _b_breadcrumb(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return ""  # navigation the page tree in the vault already gives

    def _b_table_of_contents(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        if not self._headings:
            return ""
        top = min(level for level, _ in self._headings)
        return "\n".join(f"{INDENT * (level - top)}- [[#{heading_link_text(t)}]]" for level, t in self._headings)

    def _b_bookmark(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        url = str(data.get("url") or "")
        if not url:
            return ""
        caption = render(data.get("caption")).strip()
        title = caption or str((data.get("site_meta") or {}).get("title") or "").strip()
        return f"[{_label(title)}]({_url(url)})" if title else f"<{_url(url)}>"

    def _b_embed(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._b_bookmark(b, data, 0)

    def _b_link_preview(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._b_bookmark(b, data, 0)

    def _b_child_page(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        page_id = compact_id(b.get("id"))
        return placeholder(page_id, str(data.get("title") or "Untitled")) if page_id else ""

    def _b_child_database(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._b_child_page(b, data, 0)

    def _b_link_to_page(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        kind = data.get("type")
        target = compact_id(data.get(kind) if isinstance(data.get(kind), str) else None)
        if not target:
            return ""
        label = b.get("_title") or plain(((((data.get("page") or {}).get("properties") or {}).get("title") or {})
                                         .get("title"))) or ""
        return placeholder(target, label)

    def _b_column_list(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._children(b)

    def _b_column(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._children(b)

    def _b_synced_block(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return self._children(b)  # the API lists the original's content under a copy too

    def _b_table_row(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        return "| " + " | ".join(_cell(c) for c in data.get("cells") or []) + " |"

    def _b_table(self, b: dict[str, Any], data: dict[str, Any], _: int) -> str:
        rows = [[_cell(c) for c in (r.get("table_row") or {}).get("cells") or []]
                for r in b.get("children") or [] if r.get("type") == "table_row"]
        if not rows:
            return ""
        width = max(int(data.get("table_width") or 0), *(len(r) for r in rows))
        rows = [r + [""] * (width - len(r)) for r in rows]
        header = rows.pop(0) if data.get("has_column_header") else [""] * width
        if data.get("has_row_header"):
            rows = [[f"**{r[0]}**" if r[0] else ""] + r[1:] for r in rows]
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)

    def _media(self, b: dict[str, Any], kind: str, data: dict[str, Any]) -> str:
        caption = render(data.get("caption")).strip()
        key = b.get("_attachment")
        if key:
            embed = f"{'' if kind == 'file' else '!'}[[attachment:{key}]]"
            return f"{embed}\n\n{caption}" if caption else embed
        if data.get("type") != "external":
            # a Notion-hosted file not downloaded (--no-attachments, or it failed: the report
            # says which): its signed URL dies within the hour, so no link to it is written
            name = str(data.get("name") or "").strip()
            shown = caption or name
            return f"*({kind}{': ' + shown if shown else ''} not imported)*"
        url = str((data.get("external") or {}).get("url") or "")
        if not url:
            return ""
        if kind == "image" or (kind == "video" and re.search(r"youtu\.?be", url)):
            return f"![{_label(caption)}]({_url(url)})"
        return f"[{_label(caption or url.rsplit('/', 1)[-1].split('?')[0] or url)}]({_url(url)})"


def _cell(rich: list[dict[str, Any]]) -> str:
    return render(rich).replace("|", "\\|").replace("\n", "<br>").strip()


def _label(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
