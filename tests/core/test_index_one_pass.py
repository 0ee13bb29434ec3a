"""The indexer's one-pass readers find what a line-by-line reading finds.

Links (memd.vault.links.scan_links) and sections (memd.index.parse.chunk_text) are found by one
regex pass over a note's text, for speed. These checks hold them to the line-by-line reading on
generated texts full of the cases that differ between the two: code fences and inline code,
embeds, markdown links with spaces and line breaks, headings that are not headings.
"""

from __future__ import annotations

import random
from dataclasses import astuple

from memd.index.parse import chunk_lines, chunk_text
from memd.vault.links import _code_mask, scan_links

LINK_BITS = ["[[a]]", "[[b|c]]", "![[img.png]]", "[x](y.md)", "[x]( y.md )", "[x](\ny.md)", "[x](<a b.md>)",
             "`[[code]]`", "``[[x]]``", "```", "~~~", "````", "\n", "\n", " ", "\t", "\r", "[[", "]]", "](", "!",
             "[t](http://x)", "[t](#a)", "[[#h]]", "x", "\u2028", "\x85", "[a [b] c](d.md \"t\")", "[[a#b|c]]",
             "[[x\\|y]]", "   ```py", "`", "[x](a%20b.md#h)", "[![i](a.png)](b.md)", "[[a]](b.md)", "!["]


def _line_by_line(text: str) -> list[tuple]:
    lines = text.split("\n")
    mask = _code_mask(lines)
    out = []
    for i, line in enumerate(lines):
        if not mask[i]:
            out += scan_links(line, first_line=i + 1)
    return out


def test_links_found_in_one_pass_are_those_of_each_line():
    rng = random.Random(3)
    for _ in range(30_000):
        text = "".join(rng.choice(LINK_BITS) for _ in range(rng.randint(1, 14)))
        assert scan_links(text) == _line_by_line(text), repr(text)


HEADING_BITS = ["# H", "## Sub", "####### seven", "#nospace", "# ", "#  spaced  ##", "text", "", "  ",
                "more words here", "# H1 again", "###### six #", "x" * 50]


def test_sections_found_in_one_pass_are_those_of_the_line_loop():
    rng = random.Random(4)
    for _ in range(30_000):
        lines = [rng.choice(HEADING_BITS) for _ in range(rng.randint(0, 12))]
        start = rng.randint(0, min(2, len(lines)))
        limit = rng.choice([6000, 20, 60])
        by_line, h1 = chunk_lines(lines, start, limit)
        one_pass, h1_again = chunk_text(lines, "\n".join(lines[start:]), start, limit)
        assert ([astuple(c) for c in by_line], h1) == ([astuple(c) for c in one_pass], h1_again), (lines, start)
