"""The mem-agent memory format, parsed so that edits touch only the lines they mean to.

A memory file is markdown: an optional frontmatter block, a `# Title`, facts as `- key: value`
bullets (continuation lines indented below them, e.g. nested lists), and `## Section` blocks.
MemoryDoc keeps every line's text and its own line ending, so rendering an unedited document
gives back the exact bytes, and an edit changes only the lines it replaces or inserts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memd.vault import provenance
from memd.vault.frontmatter import frontmatter_end
from memd.vault.links import name_key

_FACT = re.compile(r"^[-*+][ \t]+(?P<key>[^:\[\]\n`]{1,100}?)[ \t]*:(?:[ \t]+(?P<value>.*?))?[ \t]*$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NON_KEY = re.compile(r"[^\w]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def normalize_key(key: str) -> str:
    """`Living Location` / `livingLocation` / `living-location` -> `living_location`."""
    key = _CAMEL.sub("_", key.strip())
    return _NON_KEY.sub("_", key).strip("_").lower()


def value_key(value: str) -> str:
    """The form two values are compared in (case, spacing and trailing dots do not matter)."""
    return name_key(value).rstrip(". ")


@dataclass
class Fact:
    index: int  # line index of the bullet (0-based)
    end: int  # exclusive: the bullet plus its indented continuation lines
    key: str  # as written
    norm_key: str
    value: str  # the inline value, stripped ("" when the value is a nested list)
    section: str | None  # enclosing `##` section title; None for the main section
    # The trailing provenance link memd wrote (`[[note#^t12|↗]]`'s target), not part of `value`.
    source: str | None = None


@dataclass
class Section:
    title: str | None  # None: the main section (under the `# Title`, or the preamble)
    level: int
    heading_index: int | None
    start: int  # first line of the body
    end: int  # exclusive


@dataclass
class MemoryDoc:
    lines: list[str]
    endings: list[str]  # "\n", "\r\n" or "" (last line without a newline)
    newline: str = "\n"
    fm_end: int = 0
    title: str | None = None
    title_index: int | None = None
    sections: list[Section] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> "MemoryDoc":
        lines, endings = split_lines(text)
        crlf = sum(1 for e in endings if e == "\r\n")
        lf = sum(1 for e in endings if e == "\n")
        doc = cls(lines=lines, endings=endings, newline="\r\n" if crlf > lf else "\n")
        doc._scan()
        return doc

    def render(self) -> str:
        return "".join(t + e for t, e in zip(self.lines, self.endings))

    def _scan(self) -> None:
        lines = self.lines
        self.fm_end = frontmatter_end(lines)
        headings: list[tuple[int, int, str]] = []
        fence: str | None = None
        for i in range(self.fm_end, len(lines)):
            line = lines[i]
            m = _FENCE.match(line)
            if fence is not None:
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    fence = None
                continue
            if m:
                fence = m.group(1)
                continue
            if line.startswith("#"):
                h = _HEADING.match(line)
                if h:
                    headings.append((i, len(h.group(1)), h.group(2)))
        # The first H1 titles the file; facts directly under it form the main section.
        h1 = next((h for h in headings if h[1] == 1), None)
        self.title, self.title_index = (h1[2], h1[0]) if h1 else (None, None)
        self.sections = []
        main_start = self.fm_end if h1 is None else h1[0] + 1
        rest = [h for h in headings if h is not h1 and h[0] >= main_start]
        pre = [h for h in headings if h is not h1 and h[0] < main_start]
        main_end = rest[0][0] if rest else len(lines)
        self.sections.append(Section(None, 1, self.title_index, main_start, main_end))
        for n, (idx, level, title) in enumerate(rest):
            # A section runs to the next heading of the same or a higher level.
            end = next((h[0] for h in rest[n + 1:] if h[1] <= level), len(lines))
            self.sections.append(Section(title, level, idx, idx + 1, end))
        del pre  # headings before the H1 stay part of the preamble; facts there are still read
        self.facts = []
        i = self.fm_end
        fence = None
        while i < len(lines):
            line = lines[i]
            f = _FENCE.match(line)
            if f:
                # A fence closes only with the same character, at least as long (CommonMark):
                # a ~~~ line inside a ``` block is code, not the end of it.
                if fence is None:
                    fence = f.group(1)
                elif f.group(1)[0] == fence[0] and len(f.group(1)) >= len(fence):
                    fence = None
                i += 1
                continue
            m = None if fence is not None else _FACT.match(line)
            if not m or m.group("key").strip().startswith(("http", "www.")):
                i += 1
                continue
            end = i + 1
            while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
                end += 1
            key = m.group("key").strip()
            value, source = provenance.split((m.group("value") or "").strip())
            self.facts.append(Fact(i, end, key, normalize_key(key), value, self.section_at(i).title, source))
            i = end

    def section_at(self, index: int) -> Section:
        """The innermost section containing line `index`."""
        best = self.sections[0]
        for s in self.sections[1:]:
            if s.heading_index is not None and s.heading_index < index < s.end:
                best = s
        return best

    def find_section(self, title: str | None) -> Section | None:
        if title is None:
            return self.sections[0]
        want = name_key(title)
        return next((s for s in self.sections[1:] if name_key(s.title or "") == want), None)

    def facts_for(self, norm_key: str) -> list[Fact]:
        return [f for f in self.facts if f.norm_key == norm_key]

    def insertion_point(self, section: Section) -> int:
        """Where a new fact joins `section`: after its last non-blank line (before trailing blanks)."""
        i = section.end
        while i > section.start and not self.lines[i - 1].strip():
            i -= 1
        if section.title is not None or i > section.start:
            return i
        return section.start  # an empty main section: right under the title


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines and their endings; splits on \\n only (\\r\\n kept whole, other separators are text)."""
    if not text:
        return [], []
    parts = text.split("\n")
    lines, endings = [], []
    for part in parts[:-1]:
        if part.endswith("\r"):
            lines.append(part[:-1])
            endings.append("\r\n")
        else:
            lines.append(part)
            endings.append("\n")
    if parts[-1]:
        lines.append(parts[-1])
        endings.append("")
    return lines, endings


def fact_line(key: str, value: str) -> str:
    """The one line memd writes for a fact. Newlines in a value would break the format."""
    value = " ".join(value.split())
    return f"- {key}: {value}"


@dataclass
class Edit:
    """Replace lines[start:end] with `new` (an insertion when start == end)."""

    start: int
    end: int
    new: list[str]


@dataclass
class Hunk:
    start: int  # 0-based line index in the old file
    old: list[str]
    new: list[str]
    before: str | None  # the line above the hunk in the old file (anchor for undo)

    def to_json(self) -> dict:
        return {"start": self.start, "old": self.old, "new": self.new, "before": self.before}

    @classmethod
    def from_json(cls, d: dict) -> "Hunk":
        return cls(d["start"], list(d["old"]), list(d["new"]), d.get("before"))


def _coalesce(edits: list[Edit]) -> list[Edit]:
    """Merge edits that touch (one ends where the next starts) into one, so every hunk's anchor
    line is a line the operation keeps, and undo can find it."""
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if out and e.start == out[-1].end and out[-1].end > out[-1].start and e.end > e.start:
            out[-1] = Edit(out[-1].start, e.end, out[-1].new + e.new)
        else:
            out.append(e)
    return out


def apply_edits(doc: MemoryDoc, edits: list[Edit]) -> tuple[str, list[Hunk]]:
    """Apply non-overlapping edits; returns the new text and the hunks (for the journal)."""
    lines, endings = list(doc.lines), list(doc.endings)
    hunks: list[Hunk] = []
    for e in sorted(_coalesce(edits), key=lambda e: e.start, reverse=True):
        before = doc.lines[e.start - 1] if e.start > 0 else None
        hunks.append(Hunk(e.start, doc.lines[e.start:e.end], list(e.new), before))
        new_endings = [doc.newline] * len(e.new)
        if e.end == len(lines) and e.new:
            # Editing at the end of the file: keep its "no newline at the end" style.
            if lines and e.start == len(lines) and endings[-1] == "":
                endings[-1] = doc.newline
                new_endings[-1] = ""
            elif e.end > e.start and endings[e.end - 1] == "":
                new_endings[-1] = ""
        lines[e.start:e.end] = e.new
        endings[e.start:e.end] = new_endings
    hunks.reverse()
    if lines and endings[-1] == "" and len(lines) > 1 and endings[-2] == "":
        endings[-2] = doc.newline  # never glue two lines together
    return "".join(t + n for t, n in zip(lines, endings)), hunks
