"""The index's frontmatter reader answers what PyYAML answers, or leaves the document to PyYAML."""

from __future__ import annotations

import random
import pytest

from memd.index.frontmatter_fields import WANTED, read_fields
from memd.vault.frontmatter import frontmatter_end, parse_yaml

KEYS = ["title", "aliases", "alias", "tags", "tag", "created", "date created", "on", "yes", "status", "x-y", "Title"]
SCALARS = ["Anna", "Anna Smith", "Bob's notes", "2024-03-23", "2024-02-30", "2024-03-23T10:00:00", "10:00", "12",
           "0b_", "1.5", "yes", "no", "null", "~", "=", "<<", "-", "-x", ".hidden", "http://x.org/a", "a: b", "a:",
           "a, b", "[[People]]", "\"[[People]]\"", "'quoted'", "'it''s'", "\"esc\\\"q\"", "a # comment", "#tag",
           "\"a\" b", "v1.0", "Ünïcödé", "café 😀", "", "  spaced  ", "a\tb", "*alias", "&anchor x", "!!str 5",
           "|", ">", "{a: 1}", "@x", "`x`", "%x", "?", ": x", "1e3", "+5", "0x1F", ".inf", "True", "a'b", "\"\"", "''"]


def _line(rng: random.Random) -> str:
    shape = rng.random()
    key = rng.choice(KEYS)
    if shape < 0.45:
        return f"{key}: {rng.choice(SCALARS)}"
    if shape < 0.65:
        items = ", ".join(rng.choice(SCALARS) for _ in range(rng.randint(0, 3)))
        return f"{key}: [{items}]" + rng.choice(["", "", " ", "x"])
    if shape < 0.85:
        ind = rng.choice(["", "  ", "    "])
        lines = [f"{key}:" + rng.choice(["", " "])]
        for _ in range(rng.randint(0, 3)):
            lines.append(f"{rng.choice([ind, ind, '  ', ' '])}- {rng.choice(SCALARS)}")
        return "\n".join(lines)
    return rng.choice(["", "  ", "  continued", "- stray", "key:value", " title: x", "title:  two  spaces ",
                       "title: a\n  folded", "---x", "tags:\n-\n- a"])


def _check(text: str) -> bool:
    """True when read_fields took the document (and agreed with PyYAML)."""
    fast = read_fields(text)
    if fast is None:
        return False
    data, err = parse_yaml(text)
    assert err is None, (text, err)
    assert fast == {k: v for k, v in data.items() if k in WANTED}, text
    return True


def test_read_fields_agrees_with_pyyaml_on_generated_documents():
    rng = random.Random(1)
    taken = 0
    for _ in range(6000):
        text = "\n".join(_line(rng) for _ in range(rng.randint(1, 6)))
        taken += _check(text)
    assert taken > 200  # the simple shapes are read here, not all sent to PyYAML


@pytest.mark.parametrize("text, expected", [
    ("title: Anna\naliases: [A, Annie]\ntags:\n  - x\n  - 'y z'", {"title": "Anna", "aliases": ["A", "Annie"], "tags": ["x", "y z"]}),
    ("created: 2024-03-23\ntags: [a, b]\ncategories:\n  - \"[[People]]\"", {"tags": ["a", "b"]}),
    ("aliases:\ntitle: x", {"aliases": None, "title": "x"}),
    ("tags: a, b", {"tags": "a, b"}),
    ("", {}),
])
def test_read_fields_simple_shapes(text, expected):
    assert read_fields(text) == expected
    assert _check(text)


@pytest.mark.parametrize("text", [
    "created: 2024-02-30",  # PyYAML fails on it: the full parser must report it
    "title: 2024",  # a number: PyYAML decides what it becomes
    "title: x # comment",
    "title: a\n  folded",
    "tags: [a, [b]]",
    "title: \"a\\\"b\"",
    "yes: x",
])
def test_read_fields_leaves_the_rest_to_pyyaml(text):
    assert read_fields(text) is None


def test_read_fields_agrees_on_real_vault_frontmatter():
    from support import fixture_path

    vault = fixture_path("obsidian", "kepano-obsidian")
    seen = 0
    for path in sorted(vault.rglob("*.md")):
        lines = path.read_text(encoding="utf-8").split("\n")
        end = frontmatter_end(lines)
        if end:
            seen += 1
            _check("\n".join(lines[1:end - 1]))
    assert seen > 20
