"""One note, read once for the index: title, aliases, sections (chunks), links and facts.

Every note is cut into chunks at its headings (code fences respected), each with its line
range, so a search hit points at a place in the file. Sections longer than `chunk_chars` are cut
again at blank lines. Facts (`- key: value`) are read from memory files only, where the format
is the mem-agent standard; elsewhere such bullets are just text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memd.index.frontmatter_fields import read_fields
from memd.vault.frontmatter import frontmatter_end, parse_yaml, string_list
from memd.vault.links import Link, scan_links
from memd.index.units import neighbour_context, transcript_turns
from memd.vault import provenance
from memd.vault.memfile import MemoryDoc

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING_LINE = re.compile(_HEADING.pattern, re.M)  # the same, over a whole text


@dataclass
class Chunk:
    heading: str  # "" for the text before the first heading
    level: int
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    text: str
    # Set for a transcript turn (memd.index.units): who spoke, when, where it came from.
    block: str | None = None
    speaker: str | None = None
    time: str | None = None
    source_id: str | None = None
    context: str = ""  # neighbouring turns' text, ranked lightly


@dataclass
class FactRow:
    section: str | None
    key: str
    norm_key: str
    value: str
    line: int  # 1-based


@dataclass
class ParsedNote:
    title: str
    h1: str | None
    aliases: list[str]
    tags: list[str]
    chunks: list[Chunk]
    links: list  # Link, or Link's fields as a tuple (read_note: cheaper to make and to send)
    facts: list[FactRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def decode_note(data: bytes) -> tuple[str, list[str]]:
    """Note text, with a warning for invalid UTF-8 (indexed with replacement characters)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return data.decode("utf-8", "replace"), [f"invalid UTF-8 at byte {exc.start}; indexed with replacements"]


def _split_long(lines: list[str], first: int, heading: str, level: int, limit: int) -> list[Chunk]:
    """Cut an over-long section at blank lines into pieces of about `limit` characters."""
    out: list[Chunk] = []
    start, size = 0, 0
    for i, line in enumerate(lines):
        size += len(line) + 1
        if size >= limit and (not line.strip() or size >= limit * 4):
            out.append(Chunk(heading, level, first + start, first + i, "\n".join(lines[start:i + 1])))
            start, size = i + 1, 0
    if start < len(lines):
        out.append(Chunk(heading, level, first + start, first + len(lines) - 1, "\n".join(lines[start:])))
    return out


def chunk_lines(lines: list[str], body_start: int, chunk_chars: int) -> tuple[list[Chunk], str | None]:
    """Chunks of the body (lines from `body_start`, 0-based) and the first H1, if any."""
    chunks: list[Chunk] = []
    h1: str | None = None
    cur_heading, cur_level, cur_start = "", 0, body_start
    fence: str | None = None

    def close(end: int) -> None:
        body = lines[cur_start:end]
        text = "\n".join(body)
        if cur_heading or text.strip():  # (blank only if every line is)
            first = cur_start + 1
            if (len(text) + 1 if body else 0) > chunk_chars:  # the lines' lengths, each with its break
                chunks.extend(_split_long(body, first, cur_heading, cur_level, chunk_chars))
            else:
                chunks.append(Chunk(cur_heading, cur_level, first, max(first, end), text))

    for i in range(body_start, len(lines)):
        line = lines[i]
        if fence is not None:
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if line.startswith(("```", "~~~", " ")):
            m = _FENCE.match(line)
            if m:
                fence = m.group(1)
                continue
        if line.startswith("#"):
            m = _HEADING.match(line)
            if m:
                close(i)
                cur_heading, cur_level = m.group(2), len(m.group(1))
                if cur_level == 1 and h1 is None:
                    h1 = cur_heading
                cur_start = i + 1
    close(len(lines))
    # A heading's own line belongs to its chunk's range, so a hit can point at it.
    for c in chunks:
        if c.heading and c.start_line > 1:
            c.start_line -= 1
    return chunks, h1


def chunk_text(lines: list[str], body: str, body_start: int, chunk_chars: int) -> tuple[list[Chunk], str | None]:
    """chunk_lines for a body without code fences, found by one regex pass over its text (`body`:
    "\n".join(lines[body_start:])) instead of a look at every line: the same chunks, in a
    fraction of the time (bench/index_bench.py)."""
    chunks: list[Chunk] = []
    h1: str | None = None
    heading, level, start, start_at = "", 0, body_start, 0  # the open section: first line, its offset
    line, pos = body_start, 0

    def close(end: int, end_at: int) -> None:
        # Lines start..end-1 (0-based), whose text runs from start_at to end_at in `body`.
        text = body[start_at:end_at] if end > start else ""
        if heading or text.strip():
            first = start + 1
            if (len(text) + 1 if end > start else 0) > chunk_chars:
                chunks.extend(_split_long(lines[start:end], first, heading, level, chunk_chars))
            else:
                chunks.append(Chunk(heading, level, first, max(first, end), text))

    # Lines starting with "#" found with str.find (a regex anchored at ^ tried every character).
    at = 0 if body.startswith("#") else _line_after(body.find("\n#"))
    while at >= 0:
        m = _HEADING_LINE.match(body, at)
        if m is None:
            at = _line_after(body.find("\n#", at))
            continue
        line += body.count("\n", pos, at)
        pos = at
        close(line, at - 1)
        heading, level = m.group(2), len(m.group(1))
        if level == 1 and h1 is None:
            h1 = heading
        start, start_at = line + 1, m.end() + 1
        at = _line_after(body.find("\n#", m.end()))
    close(len(lines), len(body))
    for c in chunks:  # as chunk_lines: a heading's own line belongs to its chunk's range
        if c.heading and c.start_line > 1:
            c.start_line -= 1
    return chunks, h1


def _line_after(newline: int) -> int:
    return newline + 1 if newline >= 0 else -1


def turn_chunks(lines: list[str], body_start: int) -> list[Chunk]:
    """A transcript note's turns as chunks (empty when the note has no callout turns)."""
    turns = transcript_turns(lines, body_start)
    return [Chunk(t.speaker, 0, t.start + 1, t.end + 1, t.text, t.block, t.speaker, t.time, t.source_id,
                  neighbour_context(turns, i)) for i, t in enumerate(turns)]


def fact_chunks(doc: MemoryDoc, lines: list[str]) -> list[Chunk]:
    """A memory file cut at its fact lines: each fact (with its nested lines) one chunk, and the
    other text of each section one chunk, so a hit is the line that answers."""
    chunks: list[Chunk] = []
    in_fact: set[int] = set()
    for f in doc.facts:
        in_fact.update(range(f.index, f.end))
        # The line's trailing ↗ source link is not what the fact says (its words would match
        # every query naming the transcript): the unit's text is the fact alone.
        body = "\n".join([provenance.strip(lines[f.index]).strip()] + [l.strip() for l in lines[f.index + 1:f.end]])
        chunks.append(Chunk(f.section or "", 2 if f.section else 0, f.index + 1, f.end, body))
    for sec in doc.sections:
        rest = [i for i in range(sec.start, sec.end) if i not in in_fact and lines[i].strip()
                and i >= doc.fm_end and i != doc.title_index and not _HEADING.match(lines[i])]
        if rest:
            chunks.append(Chunk(sec.title or "", sec.level, rest[0] + 1, rest[-1] + 1,
                                "\n".join(lines[i] for i in rest)))
    chunks.sort(key=lambda c: c.start_line)
    return chunks


def parse_note(path: str, text: str, *, chunk_chars: int = 6000, is_memory: bool = False,
               is_source: bool = False) -> ParsedNote:
    parsed = read_note(path, text, chunk_chars=chunk_chars, is_memory=is_memory, is_source=is_source)
    parsed.links = [Link(*fields) for fields in parsed.links]
    return parsed


def read_note(path: str, text: str, *, chunk_chars: int = 6000, is_memory: bool = False,
              is_source: bool = False) -> ParsedNote:
    """parse_note with each link as the tuple of Link's fields (the index's hot path)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [l[:-1] if l.endswith("\r") else l for l in lines]
    warnings: list[str] = []
    fm_end = frontmatter_end(lines)
    meta: dict = {}
    links: list[tuple] = []
    if fm_end:
        fm_text = "\n".join(lines[1:fm_end - 1])
        # The keys read below, straight from simple frontmatter; PyYAML for the rest.
        fields = read_fields(fm_text)
        if fields is not None:
            meta = fields
        else:
            meta, err = parse_yaml(fm_text)
            if err:
                warnings.append(err)
        # Properties may hold links ("[[People]]"); Obsidian resolves them like body links.
        links.extend(scan_links(fm_text, first_line=2))
    if "\r" in text:
        body = "\n".join(lines[fm_end:])
    else:  # the same text, sliced rather than joined again
        body = _body(text)[sum(len(l) + 1 for l in lines[:fm_end]):] if fm_end else _body(text)
    turns = turn_chunks(lines, fm_end) if is_source else []
    if turns:
        # A transcript: its turns are the chunks; only its title is needed from the headings.
        chunks = turns
        h1 = next((m.group(2) for l in lines[fm_end:turns[0].start_line - 1]
                   if (m := _HEADING.match(l)) and len(m.group(1)) == 1), None)
    elif "```" in body or "~~~" in body or "\r" in body:
        chunks, h1 = chunk_lines(lines, fm_end, chunk_chars)
    else:
        chunks, h1 = chunk_text(lines, body, fm_end, chunk_chars)
    links.extend(scan_links(body, first_line=fm_end + 1))
    stem = _stem(path)
    fm_title = meta.get("title") if isinstance(meta.get("title"), str) else None
    title = h1 or fm_title or stem
    aliases = string_list(meta.get("aliases", meta.get("alias")))
    tags = [t.lstrip("#") for t in string_list(meta.get("tags", meta.get("tag")))]
    facts: list[FactRow] = []
    if is_memory:
        doc = MemoryDoc.parse(text)
        facts = [FactRow(f.section, f.key, f.norm_key, _fact_value(doc, f.index, f.end, f.value), f.index + 1)
                 for f in doc.facts]
        if doc.facts:
            chunks = fact_chunks(doc, lines)
    return ParsedNote(title, h1 or fm_title, aliases, tags, chunks, links, facts, warnings)


def _stem(path: str) -> str:
    """PurePosixPath(path).stem, without building a path object per note."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _body(text: str) -> str:
    """`text` as "\n".join(its lines) gives it: without the one line break that ends the last line."""
    return text[:-1] if text.endswith("\n") else text


def _fact_value(doc: MemoryDoc, start: int, end: int, inline: str) -> str:
    """A fact's value, with nested continuation lines folded in (`- major_clients:` + a list)."""
    if end - start <= 1:
        return inline
    nested = [l.strip().lstrip("-*+ ").strip() for l in doc.lines[start + 1:end]]
    return "; ".join([inline] + nested if inline else nested)
