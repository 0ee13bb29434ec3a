"""Notion API JSON (recorded blocks, rich text and property values) to markdown and typed values."""

from __future__ import annotations

import copy

import pytest

from notion_api_stub import RENDERER, NotionStub, expand, load
from support import fixture_path

from memd.importers.notion.api_blocks import Converter
from memd.importers.notion.api_props import properties, value
from memd.importers.notion.api_richtext import id_from_ref, notion_link_target, render


@pytest.fixture(autouse=True)
def _fixtures():
    fixture_path("notion", "udus122_notion-renderer_api_json")


def tree(stub: NotionStub, blocks: list[dict]) -> list[dict]:
    """Children back under their blocks, as the fetcher puts them."""
    for b in blocks:
        kids = stub.children.get(b["id"].replace("-", ""))
        if kids and b["type"] not in ("child_page", "child_database"):
            b["children"] = tree(stub, [copy.deepcopy(k) for k in kids])
    return blocks


def convert(name: str) -> tuple[str, Converter]:
    stub = NotionStub("t")
    blocks = tree(stub, expand(load(RENDERER / f"Blocks__{name}.json"), stub))
    c = Converter()
    return c.page(blocks), c


@pytest.mark.parametrize("path", sorted(p.name for p in RENDERER.glob("Blocks__*.json")) if RENDERER.exists() else [])
def test_every_recorded_block_type_is_known_and_rendered(path):
    text, c = convert(path[len("Blocks__"):-5])
    assert not c.unknown, c.unknown
    if path not in ("Blocks__Breadcrumb.json", "Blocks__TableOfContents.json"):  # navigation only
        assert text.strip(), path


@pytest.mark.parametrize("name, expected", [
    ("Heading2", "## This is Heading2 block."),
    ("Heading3.Toggleable", "### Toggle H3\n\nchild of toggle H3"),
    ("Todo", "- [ ] To-do\n    - [ ] Nested to-do\n        line break"),
    ("ToDo.Checked", "- [x] Done\n    - [ ] Nestd Todo\n    - [x] Nested Done"),
    ("Toggle", "> [!note]- toggle1\n> inner text\n>\n> > [!note]- toggle2\n> > > [!note]- toggle3\n> > > Hi!"),
    ("Callout", "> [!note] 🔑\n> Callout emoji icon"),
    ("Code", '```typescript\nconsole.log("Hello World!")\n```\n\nThis is code block.'),
    ("Equation", "$$\n\\dot x = x^{\\prime} = dx/dt=\\frac{d x(t)}{d t}=\\frac{d}{d t}\\left(x(t)\\right)\n$$"),
    ("Divider", "---"),
    ("Quote", "> Quote\n>\n> > In Quote"),
    ("Bookmark.NoOgMeta", "[this is bookmark caption](https://example.com)"),
    ("LinkPreview", "[GitHub - udus122/notion-renderer](https://github.com/udus122/notion-renderer)"),
    ("Embed", "<https://speakerdeck.com/katiecoart/keep-going>"),
    ("Image", "![](https://i.gyazo.com/8bb9a4e65e8e56b674cfa044e2370080.png)"),
    ("Video.YouTube", "![](https://youtu.be/nqye02H_H6I?si=KEaDsp6kIuGOX95m)"),
    ("File.External", "[info01.zip](http://www.nomadworks.co.jp/htmlsample/archive/win/sec2/info01.zip)"),
    ("ChildPage", "[[notion:c2b895b3a4df4fc9bce8c9bc00983443|Child page]]"),
    ("ChildDatabase", "[[notion:9a93d3be9ef944718a181572525eb5b3|Child database]]"),
    ("LinkToPage", "[[notion:61b88b0c2fe5489fb3e6d186b11e16e5|子ページ]]"),
    ("SyncedBlock.Duplicated", "Synced Block\nline break\n\nsecond child"),
    ("Table", "|  | col1 |  | col3 |\n| --- | --- | --- | --- |\n| **row1** | cell1 | cell2 |  |"),
    ("ColumnList", "col1\n\nchild of col1\n\ncol2\n\nchild of col2"),
    ("NumberedList", "1. ol1\n    line break\n    1. ol1-1\n        1. ol1-1-1\n2. ol2"),
])
def test_block_markdown(name, expected):
    text, _ = convert(name)
    assert expected in text, text


def test_a_hosted_file_not_downloaded_is_named_never_linked():
    text, _ = convert("File.File")
    assert "amazonaws" not in text and text == "*(file not imported)*"
    stub = NotionStub("t")
    block = expand(load(RENDERER / "Blocks__Audio.File.json"), stub)[0]
    block["_attachment"] = "k1"
    assert Converter().page([block]) == "![[attachment:k1]]"


def test_table_of_contents_links_the_page_headings():
    stub = NotionStub("t")
    blocks = [b for n in ("Heading1", "TableOfContents", "Heading2", "Heading3")
              for b in expand(load(RENDERER / f"Blocks__{n}.json"), stub)]
    text = Converter().page(blocks)
    assert ("- [[#This is Heading1 block.]]\n    - [[#This is Heading2 block.]]\n"
            "        - [[#This is Heading3 block.]]") in text


def test_unknown_block_type_keeps_its_text_and_is_counted():
    c = Converter()
    text = c.page([{"type": "meeting_notes", "meeting_notes": {"rich_text": [{"type": "text", "plain_text": "Notes",
                                                                             "annotations": {}}]}},
                   {"type": "unsupported", "unsupported": {}}])
    assert text == "Notes" and c.unknown == {"meeting_notes": 1, "unsupported": 1}


def run(text: str, **marks) -> dict:
    r = copy.deepcopy(load(RENDERER / "RichText__Text.json"))
    r["plain_text"] = r["text"]["content"] = text
    r["annotations"] = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False,
                        "color": "default"} | marks
    return r


def test_rich_text_annotations_keep_whitespace_outside_markers():
    assert render([run("a "), run(" bold ", bold=True), run("end")]) == "a  **bold** end"
    assert render([run("x", italic=True, bold=True)]) == "***x***"
    assert render([run("ab", bold=True), run("cd", bold=True)]) == "**abcd**"
    assert render([run("hi ", color="red_background"), run("there", color="red")]) == "==hi== there"
    assert render([run("s", strikethrough=True), run("u", underline=True)]) == "~~s~~<u>u</u>"
    assert render([run("a`b", code=True)]) == "``a`b``"
    assert render([run("#tag and *stars*")]) == "\\#tag and \\*stars\\*"
    for name, expected in [("RichText__Annotation__Bold", "**"), ("RichText__Annotation__Italic", "*"),
                           ("RichText__Annotation__Strikethrough", "~~"), ("RichText__Annotation__Underline", "<u>"),
                           ("RichText__Annotation__InlineCode", "`"), ("RichText__InlineEquation", "$")]:
        assert render([load(RENDERER / f"{name}.json")]).startswith(expected), name


def test_links_and_mentions_to_pages_become_placeholders():
    assert render([load(RENDERER / "RichText__Mention.page.json")]) == \
        "[[notion:61b88b0c2fe5489fb3e6d186b11e16e5|This is a test page]]"
    assert render([load(RENDERER / "RichText__Mention.database.json")]).startswith("[[notion:a1d8501e")
    assert render([load(RENDERER / "Common__Link.json")]) == "[text with link](https://example.com)"
    inner = run("see")
    inner["href"] = "/61b88b0c2fe5489fb3e6d186b11e16e5#3e0e331a4c004164a8acb58a49f636615"
    assert render([inner]).startswith("[[notion:61b88b0c2fe5489fb3e6d186b11e16e5#^")
    assert notion_link_target("https://www.notion.so/ws/Page-61b88b0c2fe5489fb3e6d186b11e16e5?pvs=21") == \
        ("61b88b0c2fe5489fb3e6d186b11e16e5", None)
    assert notion_link_target("https://example.com/61b88b0c2fe5489fb3e6d186b11e16e5") is None


def test_page_refs_from_ids_and_urls():
    want = "61b88b0c2fe5489fb3e6d186b11e16e5"
    for ref in (want, "61b88b0c-2fe5-489f-b3e6-d186b11e16e5", f"https://www.notion.so/My-page-{want}",
                f"https://app.notion.com/p/{want}", f"notion.so/ws/{want}?v=0123456789abcdef0123456789abcdef",
                f"https://team.notion.site/Page-{want}#abcdefabcdefabcdefabcdefabcdefab"):
        assert id_from_ref(ref) == want, ref
    for bad in ("", "page", "1234", "https://example.com/x"):
        assert id_from_ref(bad) is None


@pytest.mark.parametrize("name, expected", [
    ("Checkbox.checked", True), ("Checkbox", False), ("Number", 100), ("Select", "select2"),
    ("Status", "Not started"), ("MultiSelect", ["multi-select1", "multi-select2", "multi-select3"]),
    ("Date", "2023-10-01"), ("People", ["Yudai Usuda"]), ("Url", "https://example.com"),
    ("Email", "Fletcher_Satterfield@example.org"), ("PhoneNumber", "203-7934-8139"), ("UniqueId", "CD-4"),
    ("Formula.Number", 2), ("Formula.String", "Not"), ("Formula.Boolean", False), ("Formula.Date", "2023-10-02"),
    ("Rollup.Number", 43.5), ("Rollup.Array", None), ("CreatedTime", "2023-10-31T04:38:00.000Z"),
    ("CreatedBy", "Yudai Usuda"),
])
def test_property_values_are_typed(name, expected):
    assert value(load(RENDERER / f"Property__{name}.json")) == expected


def test_row_properties_in_order_with_date_ranges_and_without_title():
    row = load(RENDERER / "Database__Page.json")
    row["properties"]["When"] = load(RENDERER / "Property__Date.WithEnd.json")
    props = properties(row)
    assert "Name" not in props and props["Tags"] == ["tag2"] and props["Unique Id"] == "CD-3"
    assert props["When"] == "2023-10-01" and "When end" in props
