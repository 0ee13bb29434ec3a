"""Notion export import: the real exports in ../shared/fixtures/notion and generated ones
(HTML and Markdown & CSV) read, converted and written into a real vault."""

from __future__ import annotations

import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
import yaml

from memd.importers.notion import write_pages
from memd.importers.notion.export_reader import NotionExport

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import notion_gen  # noqa: E402

DEST = "memory-sources/notion"


def run(app, path, **kw):
    with NotionExport(path) as export:
        report = write_pages(app, export.pages(), **kw)
        report.format = export.format
    return report


def note(vault: Path, rel: str) -> tuple[dict, str]:
    text = (vault / DEST / rel).read_text("utf-8")
    assert text.startswith("---\n"), text[:80]
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


# -- real exports ------------------------------------------------------------------------------
def test_real_markdown_export_with_databases(app, vault, sample):
    path = sample("notion", "jimmy-test-data", "test_2_testexport-nofolders.zip")
    report = run(app, path)
    assert report.format == "markdown"
    assert report.counts["written"] == 12 and report.counts["failed"] == 0
    root = "Root Page to Export to Logseq"
    meta, body = note(vault, f"{root}.md")
    assert meta["notion_id"] == "41fb48ff63e848c8a9ccc2b4ade99fa2" and meta["title"] == root
    assert "[[Sub page]]" in body and "[[Full page DB.base|Full page DB]]" in body
    # A database: a folder with a .base file, rows with typed properties (Tags is a list).
    base = yaml.safe_load((vault / DEST / root / "Full page DB" / "Full page DB.base").read_text())
    assert base["views"][0]["type"] == "table" and "note.Tags" in base["views"][0]["order"]
    meta, body = note(vault, f"{root}/Full page DB/Full page DB entry 1 - with a page.md")
    assert meta["Tags"] == ["entry1"] and meta["notion_database"] == "[[Full page DB.base]]"
    assert meta["aliases"] == ["Full page DB entry 1  - with a page"]  # the file name lost a space
    assert "This page has some properties" in body and "Tags: entry1" not in body
    # The page not in the export stays a link to notion.so; the one that is becomes a wikilink.
    _, tests = note(vault, f"{root}/Tests to run on this.md")
    assert "(https://www.notion.so/34486a317a974ebfb9c7a8020f0662db)" in tests
    outside = report.to_json()["links_outside_import"]  # and reported as not transferred
    assert {"path": f"{DEST}/{root}/Tests to run on this.md", "target": "34486a317a974ebfb9c7a8020f0662db"} \
        in outside["links"]
    assert "[[Inline DB.base|Inline DB]]" in tests  # an empty link label takes the page's title
    # Attachments beside their page; "Untitled.png" three times, so embeds name the path.
    assert (vault / DEST / "Untitled.png").read_bytes()[:4] == b"\x89PNG"
    _, sub = note(vault, f"{root}/Sub page.md")
    assert f"![[{DEST}/{root}/Untitled.png]]" in sub


def test_real_part_zip_export_with_nfd_names(app, vault, sample):
    path = sample("notion", "jimmy-test-data", "test_1_frontmatter_7acd77c1-0197-44e3-9793-ae81ab520ac9_Export.zip")
    report = run(app, path)
    assert report.counts["failed"] == 0 and report.counts["written"] >= 10
    names = {unicodedata.normalize("NFC", p.name) for p in (vault / DEST).iterdir()}
    assert "Wöchentliche To-do-Liste.md" in names and "Export-badce82a-60e8-402e-a32d-b0d89dc601cb" not in names
    assert not any(p.name == "index.html" for p in vault.rglob("*"))
    _, todo = note(vault, "Wöchentliche To-do-Liste.md")
    assert "- [x]  Mama anrufen" in todo and "[[todo 1]]" in todo
    assert (vault / DEST / "Testseite" / "subpage" / "another subpage.md").exists()  # the page tree


def test_real_html_export(app, vault, sample):
    report = run(app, sample("notion", "jimmy-test-data", "test_4_cb177660-18fe-45a8-b1dd-b07f44a8af5e_Export.zip"))
    assert report.format == "html" and report.counts["written"] == 2
    _, body = note(vault, "Testing.md")
    assert body.strip() == "Test page\n\n[[sub page]]"
    _, sub = note(vault, "Testing/sub page.md")
    assert "![[Untitled.png]]" in sub and (vault / DEST / "Testing" / "Untitled.png").stat().st_size == 384940


# -- generated exports ---------------------------------------------------------------------------
def test_html_blocks_convert(app, vault, tmp_path):
    ids = notion_gen.html_export(tmp_path / "export", pages=3, rows=3)
    report = run(app, notion_gen.zip_folder(tmp_path / "export", tmp_path / "export.zip"), extract=False)
    assert report.format == "html" and report.counts["failed"] == 0
    meta, body = note(vault, "Home.md")
    assert meta["notion_id"] == ids["root"]
    expected = [
        "## Plans",
        "Some **bold** and *italic*, ~~gone~~, `code`, <u>under</u> and ==marked== text.",
        "- first\n- second",
        "1. one\n2. two",
        "- [x] done task\n- [ ] open task",
        "> [!note]- Toggle title\n> hidden text",
        "> [!tip]\n> A useful tip",
        "> Quoted words",
        "```python\ndef f():\n    return 1\n```",
        "$$\nE = mc^2\n$$",
        "| a | b |\n| --- | --- |\n| 1 | 2 |",
        "left column\n\nright column",
        "[Example](https://example.com) — An example site",
        "---",
        "- [[#Plans]]",
        "[[Page 1 notes]]" if "Page 1 notes" in ids else "[[Page 1",
        "![[Untitled.png]]",
    ]
    for snippet in expected:
        assert snippet in body, f"{snippet!r} not in:\n{body}"
    # The database: a folder with its .base, rows with typed properties, relations quoted links.
    meta, _ = note(vault, "Home/People/Person 1.md")
    assert meta["Age"] == 21 and meta["Tags"] == ["friend", "team 1"] and meta["Active"] is True
    assert str(meta["Birthday"]) == "1990-05-02" and meta["Knows"] == ["[[Person 0]]"]
    raw = (vault / DEST / "Home/People/Person 1.md").read_text()
    assert "- '[[Person 0]]'" in raw and "Birthday: 1990-05-02\n" in raw
    base = yaml.safe_load((vault / DEST / "Home/People/People.base").read_text())
    assert base["views"][0]["order"] == ["file.name", "note.Age", "note.Tags", "note.Birthday", "note.Active"]


def test_markdown_export_properties_callouts_relations(app, vault, tmp_path):
    ids = notion_gen.md_export(tmp_path / "md")
    report = run(app, tmp_path / "md", extract=False)  # an unzipped folder
    assert report.format == "markdown" and report.counts["failed"] == 0
    meta, body = note(vault, "Journal.md")
    assert "> [!tip]\n> Remember the plants" in body and "<aside>" not in body
    assert "[[Sub page]]" in body and "![[Untitled.png]]" in body and "[[Contacts.base|Contacts]]" in body
    assert "Status: not a property here" in body and "Status" not in meta  # only rows have properties
    meta, body = note(vault, "Journal/Contacts/Ana Costa.md")
    assert meta["Age"] == 34 and meta["Tags"] == ["friend", "work"] and meta["Close"] is True
    assert str(meta["Birthday"]) == "1990-05-03" and meta["Knows"] == ["[[Rui Lopes]]"]
    assert body.strip() == "Met at the conference." and meta["notion_id"] == ids["Ana Costa"]


def test_part_zips_at_any_depth_and_attached_zip_kept(app, vault, tmp_path):
    notion_gen.html_export(tmp_path / "export", pages=12, rows=2)
    attached = tmp_path / "export" / next(p.name for p in (tmp_path / "export").iterdir() if p.is_dir())
    with zipfile.ZipFile(attached / "backup.zip", "w") as zf:
        zf.writestr("inside.txt", "user data")
    parts = notion_gen.zip_folder(tmp_path / "export", tmp_path / "parts.zip", parts=3)
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:  # one more wrapper around the Part zips
        zf.write(parts, "Export-wrap/parts.zip")
    report = run(app, outer, extract=False)
    assert report.counts["written"] == 12 + 1 + 2 and report.counts["failed"] == 0
    kept = vault / DEST / "backup.zip"
    assert zipfile.ZipFile(kept).read("inside.txt") == b"user data"  # copied, never opened


def test_names_long_titles_collisions_reserved(app, vault, tmp_path):
    long_title = ("A very long title about everything " * 12).strip()
    root = tmp_path / "exp"
    root.mkdir()
    pages = {"Notes": "1" * 32, "notes": "2" * 32, "CON": "3" * 32, "What? A/B: C*": "4" * 32,
             long_title[:180]: "5" * 32}
    for title, pid in pages.items():
        fname = notion_gen.html_page(long_title if title.startswith("A very") else title, pid, "<p>x</p>")
        (root / f"{title.replace('/', ' ').replace('?', '').replace(':', '').replace('*', '')} {pid}.html").write_text(fname)
    report = run(app, root, extract=False)
    assert report.counts["written"] == 5
    files = sorted(p.name for p in (vault / DEST).iterdir())
    assert len({f.casefold() for f in files}) == 5
    assert "CON_.md" in files and "What A B C.md" in files
    assert all(len(f.encode()) <= 240 for f in files)
    long_file = next(f for f in files if f.startswith("A very"))
    assert not long_file[:-3].endswith((" ", "abou", "everythin"))  # cut at a word
    meta, _ = note(vault, long_file)
    assert meta["title"] == long_title and meta["aliases"] == [long_title]
    one, two = sorted(f for f in files if f.casefold().startswith("notes"))
    assert {one, two} == {"Notes.md", f"notes {'2' * 6}.md"} or {one, two} == {"notes.md", f"Notes {'1' * 6}.md"}


def test_block_links_keep_their_anchor(app, vault, tmp_path):
    root = tmp_path / "exp"
    root.mkdir()
    a, b = "a" * 32, "b" * 32
    block = "1234abcd-0000-4000-8000-00000000beef"
    (root / f"Target {b}.html").write_text(notion_gen.html_page(
        "Target", b, f'<p id="{block}">The exact paragraph.</p><p id="9999abcd-0000-4000-8000-000000000000">Other.</p>'))
    (root / f"Source {a}.html").write_text(notion_gen.html_page(
        "Source", a, f'<p>See <a href="Target%20{b}.html#{block}">that paragraph</a>.</p>'))
    run(app, root, extract=False)
    _, target = note(vault, "Target.md")
    _, source = note(vault, "Source.md")
    anchor = block.replace("-", "")
    assert f"The exact paragraph. ^{anchor}" in target and "Other.\n" in target + "\n"  # only the linked block
    assert f"See [[Target#^{anchor}|that paragraph]]." in source


def test_percent_encoded_and_non_latin_names(app, vault, tmp_path):
    root = tmp_path / "exp"
    folder = f"Заметки {'c' * 32}"
    (root / folder).mkdir(parents=True)
    (root / folder / "фото 1.png").write_bytes(b"\x89PNG")
    link = notion_gen.href(folder, "фото 1.png")  # %D1%84… as Notion writes it
    (root / f"{folder}.html").write_text(notion_gen.html_page(
        "Заметки", "c" * 32, f'<figure class="image"><a href="{link}"><img src="x"/></a></figure>'))
    report = run(app, root, extract=False)
    assert report.counts["written"] == 1 and report.attachments == 1
    _, body = note(vault, "Заметки.md")
    assert "![[фото 1.png]]" in body and (vault / DEST / "фото 1.png").read_bytes() == b"\x89PNG"


def test_callout_text_nested_lists_inline_math_and_colours():
    from memd.importers.notion.html_convert import convert_html

    html = (notion_gen.HEAD.format(t="T") + '<article><header><h1 class="page-title">T</h1></header>'
            '<div class="page-body"><figure class="callout"><div style="font-size:1.5em"><span class="icon">⚠️'
            '</span></div><div style="width:100%">Be <strong>careful</strong> here</div></figure>'
            '<ul class="bulleted-list"><li>parent<ul class="bulleted-list"><li>child</li></ul></li></ul>'
            '<p>A <span class="notion-text-equation-token"><span class="katex"><annotation encoding="application/x-tex">'
            'x^2</annotation></span></span> inline, <mark class="highlight-red">red</mark> text.</p></div></article>')
    body = convert_html(html, lambda href: None).body
    assert body == "> [!warning]\n> Be **careful** here\n\n- parent\n    - child\n\nA $x^2$ inline, red text."
