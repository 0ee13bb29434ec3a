"""Notion's HTML export page -> Markdown with the model's placeholders (beautifulsoup4).

Notion writes one `<article>` per page: `header > h1.page-title`, an optional
`table.properties` (a database row's properties, each `tr.property-row-<type>`), then
`div.page-body` with one element per block, each carrying the block's id. Block classes used
here: lists (`ul.bulleted-list`, `ol.numbered-list`, `ul.to-do-list` with `.checkbox-on`),
toggles (`ul.toggle > li > details`), `figure.callout`, `blockquote`, `pre.code > code.language-*`,
`figure.equation` (KaTeX, the TeX in `annotation`), `table.simple-table`, `div.column-list`,
`figure.bookmark`/`a.bookmark.source`, `hr`, `nav.table_of_contents`, `figure.link-to-page`,
`figure.image` and file figures, and `table.collection-content` (a database's rows, which are
notes of their own).

Links are turned into placeholders by a `Links` callback that knows the export's files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from .inline import CALLOUT_TYPES, emphasis, escape_text
from .properties import parse_value

INLINE_TAGS = frozenset({"strong", "b", "em", "i", "u", "s", "del", "strike", "code", "mark", "a", "span", "time",
                         "br", "img", "sub", "sup", "small"})

# href -> ("page", id, anchor) | ("attachment", key, "") | None (outside the export)
Links = Callable[[str], tuple[str, str, str] | None]


@dataclass
class HtmlPage:
    title: str
    body: str
    properties: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)  # a database view's columns (the page is a database)
    is_database: bool = False
    attachments: list[str] = field(default_factory=list)  # attachment keys embedded or linked


class _Converter:
    def __init__(self, links: Links, anchors: set[str]):
        self.links = links
        self.anchors = anchors  # block ids some page links to: they get ^anchors
        self.attachments: list[str] = []

    # -- inline ----------------------------------------------------------------------------------
    def inline(self, node: Any) -> str:
        if isinstance(node, NavigableString):
            return escape_text(str(node)) if type(node) is NavigableString else ""
        if not isinstance(node, Tag):
            return ""
        name = node.name
        if name == "br":
            return "\n"
        if name in ("style", "script", "svg"):
            return ""
        classes = node.get("class") or []
        if "notion-text-equation-token" in classes or "katex" in classes:
            ann = node.find("annotation")
            return f"${ann.get_text().strip()}$" if ann else ""
        if name == "img":
            return node.get("alt") or ""
        if name == "time":
            return node.get_text().lstrip("@")
        inner = "".join(self.inline(c) for c in node.children)
        if name in ("strong", "b"):
            return emphasis(inner, "**")
        if name in ("em", "i"):
            return emphasis(inner, "*")
        if name in ("del", "s", "strike"):
            return emphasis(inner, "~~")
        if name == "mark":
            # Notion marks coloured text too (`highlight-red`); only a background is a highlight.
            return emphasis(inner, "==") if any("background" in c for c in classes) else inner
        if name == "u" or (name == "span" and "border-bottom:0.05em solid" in (node.get("style") or "")):
            return emphasis(inner, "<u>", "</u>")
        if name == "code":
            text = node.get_text()
            return emphasis(text, "``" if "`" in text else "`") if text.strip() else text
        if name == "a":
            return self.link(node, inner)
        return inner

    def link(self, node: Tag, inner: str) -> str:
        href = node.get("href") or ""
        label = inner.strip() or node.get_text().strip()
        target = self.links(href) if href else None
        if target is None:
            if not href or href.startswith("#"):
                return f"[[#{label}]]" if href.startswith("#") and label else inner
            return f"[{label or href}]({href.replace(' ', '%20').replace(')', '%29')})"
        kind, ref, anchor = target
        if kind == "attachment":
            self.attachments.append(ref)
            return f"[[attachment:{ref}|{label}]]"
        return f"[[notion:{ref}{'#^' + anchor if anchor else ''}|{label}]]"

    def text(self, node: Tag) -> str:
        return "".join(self.inline(c) for c in node.children).strip()

    # -- blocks ----------------------------------------------------------------------------------
    def blocks(self, parent: Tag) -> list[tuple[str, str]]:
        """(kind, markdown) per block; kind groups adjacent list items into one list."""
        out: list[tuple[str, str]] = []
        run: list[Any] = []  # text and inline elements side by side (a callout's text): one paragraph

        def flush() -> None:
            text = "".join(self.inline(n) for n in run).strip()
            if text:
                out.append(("p", text))
            run.clear()

        for child in parent.children:
            if isinstance(child, Tag) and child.name not in INLINE_TAGS:
                flush()
                out.extend(self.block(child))
            elif isinstance(child, (Tag, NavigableString)):
                run.append(child)
        flush()
        return out

    def block(self, el: Tag) -> list[tuple[str, str]]:
        name, classes = el.name, el.get("class") or []
        anchor = self._anchor(el)
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return [("h", f"{'#' * int(name[1])} {self.text(el)}{anchor}")]
        if name == "p":
            text = self.text(el)
            return [("p", text + anchor)] if text else []
        if name == "hr":
            return [("hr", "---")]
        if name in ("ul", "ol"):
            return self.list_block(el)
        if name == "blockquote":
            return [("quote", _prefix(self.join(self.blocks(el)) or self.text(el), "> ") + anchor)]
        if name == "pre":
            code = el.find("code") or el
            lang = next((c[9:].lower() for c in (code.get("class") or []) if c.startswith("language-")), "")
            lang = "" if lang == "plain" else lang.replace(" ", "")
            body = code.get_text().rstrip("\n")
            fence = "````" if "```" in body else "```"
            return [("code", f"{fence}{lang}\n{body}\n{fence}")]
        if name == "details":
            return [("toggle", self.toggle(el))]
        if name == "nav" and "table_of_contents" in classes:
            return [("toc", self.toc(el))]
        if name == "table":
            if "collection-content" in classes:
                return []  # a database's rows: notes of their own
            return [("table", self.table(el))]
        if name == "figure":
            return self.figure(el, classes, anchor)
        if name == "a" and "bookmark" in classes:
            return [("p", self.bookmark(el))]
        if name in ("div", "section", "span", "article", "main"):
            if "collection-content" in classes:
                return []
            return self.blocks(el)  # columns, indented children, wrappers: flattened in order
        if name in ("style", "script", "header"):
            return []
        text = self.text(el)
        return [("p", text)] if text else []

    def _anchor(self, el: Tag) -> str:
        bid = (el.get("id") or "").replace("-", "").lower()
        return f" ^{bid}" if bid and bid in self.anchors else ""

    def list_block(self, el: Tag) -> list[tuple[str, str]]:
        classes = el.get("class") or []
        if "toggle" in classes:
            return [("toggle", self.toggle(li.find("details") or li)) for li in el.find_all("li", recursive=False)]
        ordered = el.name == "ol"
        n = int(el.get("start") or 1)
        out = []
        for li in el.find_all("li", recursive=False):
            box = li.find("div", class_="checkbox", recursive=False)
            if box is None and "to-do-list" in classes:
                box = li.find(class_="checkbox")
            nested = [c for c in li.children if isinstance(c, Tag) and (c.name in ("ul", "ol", "details", "figure",
                      "pre", "blockquote", "table") or "indented" in (c.get("class") or []))]
            head_nodes = [c for c in li.children if c not in nested and not (isinstance(c, Tag) and c is box)]
            head = "".join(self.inline(c) for c in head_nodes).strip()
            if box is not None or "to-do-list" in classes:
                mark = "x" if box is not None and "checkbox-on" in (box.get("class") or []) else " "
                marker = f"- [{mark}] "
            else:
                marker = f"{n}. " if ordered else "- "
            n += 1
            item = marker + _prefix(head, " " * len(marker), first="") + self._anchor(li)
            for child in nested:
                sub = self.join(self.block(child) if child.name != "div" else self.blocks(child))
                if sub:
                    item += "\n" + _prefix(sub, "    ")
            out.append(("ol" if ordered else "ul", item))
        return out

    def toggle(self, details: Tag) -> str:
        summary = details.find("summary")
        title = self.text(summary) if summary else ""
        rest = [c for c in details.children if c is not summary]
        body = self.join([b for c in rest if isinstance(c, Tag) for b in self.block(c)])
        return f"> [!note]- {title}" + (f"\n{_prefix(body, '> ')}" if body else "")

    def toc(self, nav: Tag) -> str:
        lines = []
        for a in nav.find_all("a"):
            depth = 0
            holder = a.find_parent(class_=re.compile(r"table_of_contents-indent-\d"))
            if holder is not None:
                m = re.search(r"indent-(\d)", " ".join(holder.get("class") or []))
                depth = int(m.group(1)) if m else 0
            label = a.get_text().strip()
            if label:
                lines.append(f"{'    ' * depth}- [[#{label.replace('#', ' ').replace('|', '-')}]]")
        return "\n".join(lines)

    def table(self, table: Tag) -> str:
        rows = []
        for tr in table.find_all("tr"):
            cells = [self.text(td).replace("\n", "<br>").replace("|", "\\|") for td in tr.find_all(["td", "th"])]
            rows.append(cells)
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)

    def figure(self, fig: Tag, classes: list[str], anchor: str) -> list[tuple[str, str]]:
        caption_el = fig.find("figcaption")
        caption = self.text(caption_el) if caption_el else ""
        if "callout" in classes:
            icon_el = fig.find(class_="icon") or (fig.find("div").find("span") if fig.find("div") else None)
            icon = icon_el.get_text().strip() if icon_el else ""
            divs = [c for c in fig.children if isinstance(c, Tag)]
            content = self.join(self.blocks(divs[-1])) if divs else self.text(fig)
            kind = CALLOUT_TYPES.get(icon, "note")
            return [("callout", f"> [!{kind}]{' ' + icon if icon and kind == 'note' else ''}\n{_prefix(content, '> ')}")]
        if "equation" in classes:
            ann = fig.find("annotation")
            return [("math", f"$$\n{ann.get_text().strip()}\n$$")] if ann else []
        if "link-to-page" in classes:
            a = fig.find("a")
            return [("p", self.link(a, self.text(a)) + anchor)] if a else []
        bookmark = fig.find("a", class_="bookmark")
        if "bookmark" in classes or bookmark is not None:
            return [("p", self.bookmark(bookmark or fig))]
        a = fig.find("a")
        img = fig.find("img")
        href = (a.get("href") if a else None) or (img.get("src") if img else None) or ""
        target = self.links(href) if href else None
        if target is not None and target[0] == "attachment":
            self.attachments.append(target[1])
            line = f"![[attachment:{target[1]}]]"
        elif img is not None and href:
            line = f"![{caption}]({href})"
        elif a is not None:
            line = self.link(a, self.text(a))
        else:
            return self.blocks(fig)
        return [("p", line + (f"\n{caption}" if caption and not line.startswith("![") else
                              f"\n*{caption}*" if caption else "") + anchor)]

    def bookmark(self, el: Tag) -> str:
        a = el if el.name == "a" else el.find("a")
        href = a.get("href") if a else ""
        title_el = el.find(class_="bookmark-title")
        desc_el = el.find(class_="bookmark-description")
        title = title_el.get_text().strip() if title_el else href
        desc = desc_el.get_text().strip() if desc_el else ""
        return f"[{escape_text(title or href)}]({href})" + (f" — {escape_text(desc)}" if desc else "")

    @staticmethod
    def join(blocks: list[tuple[str, str]]) -> str:
        out: list[str] = []
        prev = None
        for kind, text in blocks:
            if not text.strip():
                continue
            if out:
                out.append("\n" if kind == prev and kind in ("ul", "ol") else "\n\n")
            out.append(text)
            prev = kind
        return "".join(out)


def _prefix(text: str, pad: str, first: str | None = None) -> str:
    lines = text.split("\n")
    head = (pad if first is None else first) + lines[0] if lines else ""
    return "\n".join([head, *[(pad + l) if l else pad.rstrip() for l in lines[1:]]])


def _parts(soup: BeautifulSoup) -> tuple[Tag | None, Tag | None, Tag | None, Tag | None]:
    """(header, page body, database view, properties) of Notion's `<article>`, found among its
    children (a search of the whole tree per part costs more than the conversion); pages laid
    out otherwise fall back to a search."""
    article = soup.find("article")
    header = body = view = props = None
    for child in (article.children if article is not None else ()):
        if not isinstance(child, Tag):
            continue
        classes = child.get("class") or []
        if child.name == "header":
            header = child
        elif child.name == "div" and "page-body" in classes:
            body = child
        elif child.name == "table" and "collection-content" in classes:
            view = child
    if header is not None:
        props = header.find("table", class_="properties", recursive=False)
    if article is None or (header is None and body is None):
        body = soup.find("div", class_="page-body")
        header = header or soup.find("header")
        props = soup.find("table", class_="properties")
        if view is None and body is None:
            view = soup.find("table", class_="collection-content")
    return header, body, view, props


def convert_html(html: str, links: Links, anchors: set[str] | frozenset[str] = frozenset()) -> HtmlPage:
    soup = BeautifulSoup(html, "html.parser")
    conv = _Converter(links, set(anchors))
    header, body, view, props = _parts(soup)
    title_el = (header.find(class_="page-title") if header is not None else None) or soup.find("h1") \
        or soup.find("title")
    title = title_el.get_text().strip() if title_el else ""
    page = HtmlPage(title=title, body="")
    if props is not None:
        for tr in props.find_all("tr"):
            m = re.search(r"property-row-(\S+)", " ".join(tr.get("class") or []))
            th, td = tr.find("th"), tr.find("td")
            if not m or th is None or td is None:
                continue
            name = th.get_text().strip()
            value = parse_value(m.group(1), td, conv)
            if name and value is not None:
                page.properties[name] = value
    # A database's own page holds its view (the table of rows) beside, not in, a page body; a
    # page with an inline database holds it inside its body, and is a page.
    if view is not None:
        thead = view.find("thead")
        page.columns = [th.get_text().strip() for th in thead.find_all("th")] if thead is not None else []
        page.is_database = True
    parts = []
    desc = header.find(class_="page-description") if header is not None else None
    if desc is not None and desc.get_text().strip():
        parts.append(("p", conv.text(desc)))
    if body is None and view is None:
        body = soup.body or soup
    parts += conv.blocks(body) if body is not None else []
    page.body = conv.join(parts)
    page.attachments = conv.attachments
    return page
