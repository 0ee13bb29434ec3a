"""Obsidian links: parsing every form, and resolving a link to a vault file.

Forms read: `[[x]]`, `[[x|alias]]`, `[[x#heading]]`, `[[x#^block]]`, `![[embed]]`, path and
path-suffix links (`[[Folder/x]]`, `[[entities/jane_doe.md]]`), relative ones (`[[../x]]`), and
markdown links to local files (`[text](Some%20Note.md)`). Links inside code are not links.

Resolution order, best first (ties go to the file in the linking note's folder, then to the
shortest path, then alphabetically — the way Obsidian settles duplicate names):
  0 the full vault path            2 the file name
  1 a path suffix                  3 the note's `# Title`      4 a frontmatter alias
Matching is case-, space- and underscore-insensitive and Unicode-normalised (Notion exports
use decomposed names). memd itself always writes `[[entities/<slug>.md]]`.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import unquote

RANK_PATH, RANK_SUFFIX, RANK_NAME, RANK_TITLE, RANK_ALIAS = range(5)

_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
_MDLINK = re.compile(r"(!?)\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*(<[^>\n]+>|[^)\s]+)(?:\s+\"[^\"\n]*\")?\s*\)")
# The same patterns for a scan over a whole text: starting at the bracket (the regex engine then
# jumps from one "[" to the next; an optional "!" first made it try every character), the "!" of
# an embed read from the character before, and the spaces kept to one line.
_WIKILINK_AT = re.compile(_WIKILINK.pattern.removeprefix("(!?)"))
_MDLINK_AT = re.compile(_MDLINK.pattern.removeprefix("(!?)").replace(r"\s*", r"[^\S\n]*").replace(r"\s+", r"[^\S\n]+"))
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_SPACES = re.compile(r"[\s_]+")
_PIPE = re.compile(r"\\?\|")


@dataclass(frozen=True)
class Link:
    raw: str  # the link as written, without brackets
    target: str  # the file part ("" for a same-note link like [[#heading]])
    fragment: str | None  # "heading" or "^block"
    alias: str | None
    embed: bool
    line: int  # 1-based line in the note
    markdown: bool = False  # [text](target) rather than [[target]]


def name_key(text: str) -> str:
    """The form two names are compared in: NFC, case-folded, spaces and underscores collapsed."""
    text = unicodedata.normalize("NFC", text).casefold()
    return _SPACES.sub(" ", text).strip()


def _strip_md(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


def target_key(target: str, source_path: str | None = None) -> str:
    """Normalised lookup key for a link target; relative targets are joined to the source folder."""
    t = target.replace("\\", "/").strip()
    if t.startswith("./") or t.startswith("../"):
        base = posixpath.dirname(source_path) if source_path else ""
        t = posixpath.normpath(posixpath.join(base, t))
        if t.startswith(".."):
            t = t.lstrip("./")
    t = t.lstrip("/")
    return name_key(_strip_md(t))


def split_target(inner: str) -> tuple[str, str | None, str | None]:
    """`x#h|alias` -> (x, h, alias). A `\\|` (escaped pipe, used inside tables) also splits."""
    alias = None
    m = _PIPE.search(inner) if "|" in inner else None  # (the index calls this for every link)
    if m:
        inner, alias = inner[: m.start()], inner[m.end():].strip() or None
    fragment = None
    if "#" in inner:
        inner, fragment = inner.split("#", 1)
        fragment = fragment.strip() or None
    return inner.strip(), fragment, alias


def _code_mask(lines: list[str]) -> list[bool]:
    """True for lines inside fenced code blocks (fence lines included)."""
    mask, fence = [], None
    for line in lines:
        m = _FENCE.match(line)
        if fence is None:
            if m:
                fence = m.group(1)[0] * len(m.group(1))
                mask.append(True)
                continue
            mask.append(False)
        else:
            mask.append(True)
            if m and m.group(1).startswith(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = None
    return mask


def scan_links(text: str, *, first_line: int = 1) -> list[tuple[str, str, str | None, str | None, bool, int, bool]]:
    """Every link in `text` as (raw, target, fragment, alias, embed, line, markdown) — Link's
    fields in order — skipping fenced and inline code. `first_line` numbers the first line.

    One regex pass over the whole text, not a pass per line: no pattern can match across a line
    break (the markdown pattern's spaces exclude "\n"), code is blanked in place first (fenced
    lines emptied, inline code turned to spaces, line breaks kept), so each match and its line
    number are what a line-by-line scan finds. The index calls this for every note."""
    if "[" not in text:
        return []
    if "`" in text or "~~~" in text:
        text = _without_code(text)
    out: list[tuple[str, str, str | None, str | None, bool, int, bool]] = []
    line, pos = first_line, 0
    if "[[" in text:
        for m in _WIKILINK_AT.finditer(text):
            pos, at = m.start(), pos
            line += text.count("\n", at, pos)
            inner = m.group(1)
            target, fragment, alias = split_target(inner)
            out.append((inner, target, fragment, alias, pos > 0 and text[pos - 1] == "!", line, False))
    if "](" in text:
        wiki = len(out)
        line, pos = first_line, 0
        for m in _MDLINK_AT.finditer(text):
            pos, at = m.start(), pos
            line += text.count("\n", at, pos)
            dest = m.group(1)
            if dest.startswith("<"):
                dest = dest[1:-1]
            if _SCHEME.match(dest) or dest.startswith("#"):
                continue  # a URL (http:, obsidian:, mailto:) or a same-note anchor
            dest = unquote(dest)
            target, fragment = (dest.split("#", 1) + [None])[:2] if "#" in dest else (dest, None)
            out.append((dest, target.strip(), fragment or None, None, pos > 0 and text[pos - 1] == "!", line, True))
        if len(out) > wiki and wiki:
            out.sort(key=lambda l: l[5])  # by line, wikilinks first on a line (a stable sort)
    return out


def _without_code(text: str) -> str:
    """`text` with fenced code lines emptied and inline code spans turned to spaces; every line
    break kept, so line numbers and a link's place on its line stay as they were."""
    lines = text.split("\n")
    if "```" in text or "~~~" in text:
        mask = _code_mask(lines)
        lines = ["" if masked else line for line, masked in zip(lines, mask)]
    return "\n".join(_INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line) if "`" in line else line
                     for line in lines)


def parse_links(text: str, *, first_line: int = 1) -> list[Link]:
    """Every link in `text`, skipping fenced and inline code. `first_line` numbers the first line."""
    return [Link(raw, target, fragment, alias, embed, line, markdown)
            for raw, target, fragment, alias, embed, line, markdown in scan_links(text, first_line=first_line)]


class NameTable:
    """Every name a vault file answers to, for resolving links. Kept current incrementally."""

    def __init__(self) -> None:
        self._by_key: dict[str, dict[str, int]] = {}  # key -> {path: best rank}
        self._keys_of: dict[str, list[str]] = {}  # path -> keys it registered

    def __contains__(self, path: str) -> bool:
        return path in self._keys_of

    def __len__(self) -> int:
        return len(self._keys_of)

    @staticmethod
    def names_for(path: str, title: str | None = None, aliases: list[str] | tuple[str, ...] = ()) -> list[tuple[str, int]]:
        is_md = path.lower().endswith(".md")
        stem_path = _strip_md(path) if is_md else path
        parts = stem_path.split("/")
        names = [(name_key(stem_path), RANK_PATH)]
        for i in range(1, len(parts) - 1):
            names.append((name_key("/".join(parts[i:])), RANK_SUFFIX))
        if len(parts) > 1:
            names.append((name_key(parts[-1]), RANK_NAME))
        if is_md:
            if title:
                names.append((name_key(title), RANK_TITLE))
            names.extend((name_key(a), RANK_ALIAS) for a in aliases if isinstance(a, str) and a.strip())
        return names

    def add(self, path: str, title: str | None = None, aliases: list[str] | tuple[str, ...] = (), *,
            names: list[tuple[str, int]] | None = None) -> set[str]:
        """Register `path` (replacing what it had); returns the keys whose meaning may have changed.
        `names`: `names_for(path, title, aliases)` already computed (by an index worker process)."""
        old = set(self.remove(path))
        keys = []
        for key, rank in (self.names_for(path, title, aliases) if names is None else names):
            if not key:
                continue
            slot = self._by_key.setdefault(key, {})
            if path not in slot or rank < slot[path]:
                slot[path] = rank
            keys.append(key)
        self._keys_of[path] = keys
        return old ^ set(keys) if old else set(keys)

    def remove(self, path: str) -> list[str]:
        keys = self._keys_of.pop(path, [])
        for key in keys:
            slot = self._by_key.get(key)
            if slot is not None:
                slot.pop(path, None)
                if not slot:
                    del self._by_key[key]
        return keys

    def unique(self) -> Iterator[tuple[str, str]]:
        """(key, path) for every key exactly one file answers to: resolved without tie rules."""
        for key, slot in self._by_key.items():
            if len(slot) == 1:
                yield key, next(iter(slot))

    def ambiguous(self) -> Iterator[str]:
        """Keys several files answer to (resolve_key settles them)."""
        return (key for key, slot in self._by_key.items() if len(slot) > 1)

    def candidates(self, key: str) -> dict[str, int]:
        return self._by_key.get(key, {})

    def resolve_key(self, key: str, source_path: str | None = None, raw: str | None = None) -> str | None:
        slot = self._by_key.get(key)
        if not slot:
            return None
        if len(slot) == 1:
            return next(iter(slot))
        src_dir = posixpath.dirname(source_path) if source_path else None
        # Among equally good names, one spelled exactly as the link (bar case) wins: [[jane_doe]]
        # prefers jane_doe.md over "Jane Doe.md", though both match.
        exact = _strip_md(raw.replace("\\", "/")).casefold() if raw else None

        def order(item: tuple[str, int]) -> tuple[int, int, int, int, str]:
            path, rank = item
            spelled = 0 if exact is not None and _strip_md(path).casefold().endswith(exact) else 1
            same_dir = 0 if src_dir is not None and posixpath.dirname(path) == src_dir else 1
            return (rank, spelled, same_dir, path.count("/"), path)

        return min(slot.items(), key=order)[0]

    def resolve(self, target: str, source_path: str | None = None) -> str | None:
        """The vault path `target` (a link target, or any name) points at, or None."""
        if not target:
            return source_path  # [[#heading]] points into the linking note itself
        return self.resolve_key(target_key(target, source_path), source_path, target)
