"""The Notion writer on a real vault: re-runs write nothing, changed pages are updated in place,
a note the user edited is kept (the new version goes to review), first-person text reaches
memory with a link to its block, --entities-from makes entities, and the CLI reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from memd.importers.notion import NotionPage, PageFailure, write_pages
from memd.importers.notion.run import import_export

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import notion_gen  # noqa: E402

DEST = "memory-sources/notion"


def files(vault: Path) -> dict[str, bytes]:
    return {p.relative_to(vault).as_posix(): p.read_bytes() for p in vault.rglob("*") if p.is_file()}


def test_rerun_writes_nothing_and_changes_update_in_place(app, vault, tmp_path):
    notion_gen.html_export(tmp_path / "e", pages=6, rows=3)
    first = import_export(app, str(tmp_path / "e"), extract=False)
    assert first.counts["written"] == 10 and first.attachments == 1
    before = files(vault)
    journal = len(app.state.journal(limit=10_000))
    again = import_export(app, str(tmp_path / "e"), extract=False)
    assert again.counts["unchanged"] == 10 and again.counts["written"] == again.counts["updated"] == 0
    assert files(vault) == before and len(app.state.journal(limit=10_000)) == journal
    # A page changed in Notion: its note is rewritten in place, nothing else is.
    page = next((tmp_path / "e").rglob("Page 3 *.html"))
    page.write_text(page.read_text().replace("Some ordinary text", "Changed text"))
    third = import_export(app, str(tmp_path / "e"), extract=False)
    assert third.counts["updated"] == 1 and third.counts["unchanged"] == 9
    changed = [k for k, v in files(vault).items() if before.get(k) != v]
    assert len(changed) == 1 and "Page 3" in changed[0] and b"Changed text" in (vault / changed[0]).read_bytes()


def test_edited_note_is_kept_and_new_version_goes_to_review(app, vault, tmp_path):
    notion_gen.html_export(tmp_path / "e", pages=3, rows=0)
    import_export(app, str(tmp_path / "e"), extract=False)
    target = next((vault / DEST).rglob("Page 1 *.md"))
    mine = target.read_text() + "\nMy own note, typed in Obsidian.\n"
    target.write_text(mine)
    page = next((tmp_path / "e").rglob("Page 1 *.html"))
    page.write_text(page.read_text().replace("Some ordinary text", "Text edited in Notion"))
    report = import_export(app, str(tmp_path / "e"), extract=False)
    assert report.counts["kept"] == 1 and target.read_text() == mine  # never overwritten
    item = next(i for i in report.items if i["status"] == "kept")
    assert "review item" in item["reason"] and item["path"].endswith(target.name)
    pending = app.state.review_items()
    assert any("Text edited in Notion" in (r.get("proposed") or "") for r in pending)
    # Later runs leave it alone too (and do not ask again while nothing changes).
    report = import_export(app, str(tmp_path / "e"), extract=False)
    assert target.read_text() == mine and report.counts["failed"] == 0
    # Accepting the review item takes Notion's version.
    item_id = next(r["id"] for r in app.state.review_items() if "Text edited in Notion" in (r.get("proposed") or ""))
    assert app.review_resolve(item_id, "accept")["status"] == "accepted"
    assert "Text edited in Notion" in target.read_text() and "My own note" not in target.read_text()


def test_dry_run_writes_nothing(app, vault, tmp_path):
    notion_gen.html_export(tmp_path / "e", pages=4, rows=2)
    report = import_export(app, str(tmp_path / "e"), dry_run=True)
    assert report.counts["written"] == 7 and report.dry_run
    assert files(vault) == {}


def test_first_person_text_reaches_memory_with_a_block_link(app, vault, tmp_path):
    notion_gen.md_export(tmp_path / "md")
    report = import_export(app, str(tmp_path / "md"))
    assert report.facts_added >= 1
    user = (vault / "memory" / "user.md").read_text()
    note = (vault / DEST / "Journal.md").read_text()
    anchor = next(line.rsplit("^", 1)[1] for line in note.splitlines() if line.startswith("I moved to Porto"))
    assert "Porto" in user and f"[[{DEST}/Journal#^{anchor}" in user
    # The same export again: the block was read, nothing is extracted twice.
    again = import_export(app, str(tmp_path / "md"))
    assert again.facts_added == 0 and (vault / "memory" / "user.md").read_text() == user


def test_entities_from_database(app, vault, tmp_path):
    notion_gen.md_export(tmp_path / "md")
    report = import_export(app, str(tmp_path / "md"), extract=False, entities_from=["contacts"])
    assert report.entities == 2
    ana = (vault / "memory" / "entities" / "ana_costa.md").read_text()
    assert "# Ana Costa" in ana and "age: 34" in ana and "tags: friend" in ana and "tags: work" in ana
    assert "knows: [[entities/rui_lopes.md]]" in ana
    assert (vault / "memory" / "entities" / "rui_lopes.md").exists()


def test_failures_are_listed_and_the_rest_written(app, vault):
    pages = [NotionPage("a" * 32, "Fine", body="ok"), PageFailure("Broken 123.html", "cannot convert: bad", "b" * 32)]
    report = write_pages(app, pages, extract=False)
    data = report.to_json()
    assert data["counts"]["written"] == 1 and data["counts"]["failed"] == 1
    assert {"status": "failed", "path": "Broken 123.html", "notion_id": "b" * 32,
            "reason": "cannot convert: bad"} in data["items"]


def test_colliding_titles_link_by_path(app, vault):
    a, b, c = "a" * 32, "b" * 32, "c" * 32
    pages = [NotionPage(a, "Work"), NotionPage(b, "Home"), NotionPage("d" * 32, "Ideas", parents=(a,)),
             NotionPage(c, "Ideas", parents=(b,), body="see [[notion:%s|my work ideas]]" % ("d" * 32))]
    write_pages(app, pages, extract=False)
    text = (vault / DEST / "Home" / "Ideas.md").read_text()
    assert f"[[{DEST}/Work/Ideas|my work ideas]]" in text


def test_cli_import_notion(cli_env, tmp_path, vault):
    cfg, env = cli_env
    cfg.write_text(f'vault = "{vault}"\nstate_dir = "{tmp_path / "state"}"\n[writer]\nsettle_seconds = 0\n'
                   'fsync = false\n')
    notion_gen.md_export(tmp_path / "md")
    memd = [sys.executable, "-m", "memd"]
    out = subprocess.run([*memd, "import", "notion", str(tmp_path / "md"), "--json", "--no-extract"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["counts"]["written"] == 5 and data["format"] == "markdown"
    bad = subprocess.run([*memd, "import", "notion", str(tmp_path / "nope.zip")], env=env, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1 and "nope.zip" in bad.stderr
    assert not (vault / DEST / "zzz").exists()
    meta = yaml.safe_load((vault / DEST / "Journal.md").read_text().split("---\n")[1])
    assert meta["title"] == "Journal" and os.path.exists(vault / DEST / "Journal" / "Sub page.md")


def test_interrupted_run_resumes(app, vault, tmp_path):
    """A kill between reserving a page in the ledger and writing its note leaves it pending: the
    next run writes it (on the same path) and leaves the others alone."""
    from memd.importers.ledger import Ledger

    notion_gen.html_export(tmp_path / "e", pages=4, rows=0)
    import_export(app, str(tmp_path / "e"), extract=False)
    ledger = Ledger(app.state)
    target = next((vault / DEST).rglob("Page 2 *.md"))
    rel = target.relative_to(vault).as_posix()
    pid = next(p for p in (ledger.get("notion", i) for i in [yaml.safe_load(target.read_text().split("---\n")[1])
                                                              ["notion_id"]]) if p)
    ledger.begin(source="notion", source_id=pid.source_id, kind="page", title=pid.title, path=rel, run_id=None)
    target.unlink()
    report = import_export(app, str(tmp_path / "e"), extract=False)
    assert report.counts["updated"] + report.counts["written"] == 1 and report.counts["unchanged"] == 3
    assert target.exists() and ledger.get("notion", pid.source_id).status == "done"


def test_no_attachments_and_unknown_entities_database(app, vault, tmp_path, one_line):
    import pytest

    from memd.errors import InputFormatError

    notion_gen.md_export(tmp_path / "md")
    with pytest.raises(InputFormatError) as exc:
        import_export(app, str(tmp_path / "md"), entities_from=["Nope"])
    assert "Contacts" in one_line(exc.value) and not vault.joinpath(DEST).exists()
    report = import_export(app, str(tmp_path / "md"), attachments=False, extract=False)
    assert report.attachments == 0 and not list(vault.rglob("*.png"))
    assert "`Untitled.png` (attachment not imported)" in (vault / DEST / "Journal.md").read_text()


def test_parent_cycle_does_not_hang(app, vault):
    a, b = "a" * 32, "b" * 32
    report = write_pages(app, [NotionPage(a, "A", parents=(b,)), NotionPage(b, "B", parents=(a,))], extract=False)
    assert report.counts["written"] == 2


def test_link_to_a_name_the_vault_already_has_is_qualified(app, vault):
    (vault / "Projects").mkdir()
    (vault / "Projects" / "Home.md").write_text("# Home\n\nthe user's own note\n")
    app.index.index_paths(["Projects/Home.md"])
    a, b = "a" * 32, "b" * 32
    write_pages(app, [NotionPage(a, "Home"), NotionPage(b, "Child", parents=(a,), body=f"up: [[notion:{a}|Home]]"),
                      NotionPage("c" * 32, "Else", body=f"see [[notion:{b}|Child]]")], extract=False)
    assert f"up: [[{DEST}/Home|Home]]" in (vault / DEST / "Home" / "Child.md").read_text()
    assert "see [[Child]]" in (vault / DEST / "Else.md").read_text()
    assert (vault / "Projects" / "Home.md").read_text() == "# Home\n\nthe user's own note\n"


def test_a_page_that_cannot_be_rendered_fails_alone(app, vault):
    bad = NotionPage("b" * 32, "Bad", properties={"Weird": object()})  # a source's bad value
    report = write_pages(app, [NotionPage("a" * 32, "Good", body="fine"), bad], extract=False)
    assert report.counts["written"] == 1 and report.counts["failed"] == 1
    assert (vault / DEST / "Good.md").exists() and not (vault / DEST / "Bad.md").exists()
