"""`memd import notion --token-env` end to end: a real local HTTP server replaying recorded API
bodies (every recorded block type, a child page, a database and its rows), the real writer, a
real vault and state in temp folders."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from notion_api_stub import CHILD_PAGE, ROOT, ROW, TYPED_ROW, NotionStub, build_workspace, cid
from support import fixture_path

from memd.importers.notion import api_import
from memd.importers.notion.api_client import NotionAPI, TokenBucket
from memd.importers.notion.api_import import ApiImportRequest, run_api_import

TOKEN = "ntn_T0kenThatMustNeverLeak_9f8e7d6c5b4a"
ENV = "MEMD_TEST_NOTION_TOKEN"
NOTION_DIR = "memory-sources/notion"


class FastAPI(NotionAPI):
    """The real client with a bucket that does not make the tests wait (the limiter has its own test)."""

    def __init__(self, token: str, **kwargs):
        kwargs["bucket"] = TokenBucket(1e6, 1e6)
        kwargs["sleep"] = lambda s: None
        super().__init__(token, **kwargs)


@pytest.fixture
def stub(monkeypatch):
    fixture_path("notion", "udus122_notion-renderer_api_json")
    monkeypatch.setenv(ENV, TOKEN)
    monkeypatch.setattr(api_import, "NotionAPI", FastAPI)
    with NotionStub(TOKEN) as s:
        build_workspace(s)
        yield s


def run(app, stub, *, pages=(f"https://www.notion.so/Everything-{ROOT}",), **kw):
    return run_api_import(app, ApiImportRequest(token_env=ENV, pages=list(pages), api_url=stub.url, extract=False,
                                                **kw))


def notes(vault: Path) -> dict[str, bytes]:
    return {str(p.relative_to(vault)): p.read_bytes() for p in sorted(vault.rglob("*")) if p.is_file()}


def meta(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def find(vault: Path, name: str) -> Path:
    found = [p for p in vault.rglob(name)]
    assert len(found) == 1, (name, sorted(str(p.relative_to(vault)) for p in vault.rglob("*")))
    return found[0]


def test_full_import_every_block_type_database_and_files(app, stub):
    report = run(app, stub)
    counts = report.to_json()["counts"]
    assert counts["failed"] == 0 and counts["written"] == 5, report.to_json()
    vault = app.config.vault
    root = find(vault, "Everything.md").read_text("utf-8")
    assert meta(root)["notion_id"] == ROOT
    body = root.split("---\n", 2)[2]
    for expected in ["- [x] Done\n    - [ ] Nestd Todo\n    - [x] Nested Done", "> [!note]- toggle1\n> inner text",
                     "```typescript\nconsole.log(\"Hello World!\")\n```", "$$\n\\dot x = x^{\\prime}",
                     "| **row1** | cell1 | cell2 |  |", "> [!note] 🔑\n> Callout emoji icon",
                     "[this is bookmark caption](https://developers.notion.com/reference/block#block-type-objects)",
                     "# This is Heading1 block.", "- [[#This is Heading1 block.]]", "\n---\n",
                     "![](https://i.gyazo.com/8bb9a4e65e8e56b674cfa044e2370080.png)", "> Quote\n>\n> > In Quote",
                     "col1\n\nchild of col1\n\ncol2", "1. ol1\n    line break\n    1. ol1-1"]:
        assert expected in body, expected
    assert body.count("Synced Block") == 2        # the original and its copy
    # child page and database linked as wikilinks to the imported notes, not as notion: placeholders
    assert "[[Child page]]" in body and "notion:" not in body.replace("notion.so", "")
    assert "[[Child database" in body
    assert "(https://www.notion.so/61b88b0c2fe5489fb3e6d186b11e16e5)" in body   # link_to_page outside the import
    # Notion-hosted files downloaded and embedded beside the page; external ones stay links
    for name in ("ifudoudou.mp3", "sample-file.txt", "mov_hts-samp003.mp4_-_Free_Movie_Material.mp4"):
        f = find(vault, name)
        assert f.read_bytes().startswith(b"bytes of ") and f.parent == find(vault, "Everything.md").parent
    assert "![[ifudoudou.mp3]]" in body and "[[sample-file.txt]]" in body
    assert all(r["auth"] == "" for r in stub.requests("GET", "^/files/"))   # the token never goes to a file host
    # the child page is under its parent; the database is a folder with a .base and its rows
    child = find(vault, "Child page.md")
    assert child.parent.name == "Everything" and "I'm a paragraph." in child.read_text("utf-8")
    base = find(vault, "Child database.base").read_text("utf-8")
    assert "note.Status" in base and "note.Name" not in base
    row = meta(find(vault, "item1.md").read_text("utf-8"))
    assert row["notion_id"] == ROW and row["Status"] == "Done" and row["Tags"] == ["tag2"]
    assert row["Unique Id"] == "CD-3" and row["Select"] == "select1" and row["Text"] == "this is item1"
    typed = meta(find(vault, "typed row.md").read_text("utf-8"))
    assert typed["notion_id"] == TYPED_ROW
    assert typed["Checkbox.checked"] is True and typed["Checkbox"] is False
    assert isinstance(typed["Number"], (int, float)) and isinstance(typed["MultiSelect"], list)
    assert typed["Related"] == ["[[Child page]]"]
    assert str(typed["Date.WithEnd"]) != "" and "Date.WithEnd end" in typed


def test_rerun_writes_nothing_and_fetches_no_blocks(app, stub):
    run(app, stub)
    before = notes(app.config.vault)
    children_before = len(stub.requests("GET", "/children"))
    report = run(app, stub)
    counts = report.to_json()["counts"]
    assert counts["unchanged"] == 5 and counts["written"] == counts["updated"] == 0, counts
    assert notes(app.config.vault) == before
    assert len(stub.requests("GET", "/children")) == children_before   # no page's blocks fetched again
    assert len(stub.requests("GET", "^/files/")) == 3                   # nor its files


def test_changed_page_is_updated_in_place(app, stub):
    run(app, stub)
    child = find(app.config.vault, "Child page.md")
    stub.pages[CHILD_PAGE]["last_edited_time"] = "2026-12-01T10:00:00.000Z"
    block = copy.deepcopy(stub.children[CHILD_PAGE][0])
    block["paragraph"]["rich_text"][0]["plain_text"] = "A changed paragraph."
    stub.children[CHILD_PAGE] = [block]
    root_children = len(stub.requests("GET", f"/blocks/{ROOT}/children"))
    report = run(app, stub)
    counts = report.to_json()["counts"]
    assert counts["updated"] == 1 and counts["unchanged"] == 4, counts
    assert find(app.config.vault, "Child page.md") == child
    text = child.read_text("utf-8")
    assert "A changed paragraph." in text and "I'm a paragraph." not in text
    assert meta(text)["last_edited"] == "2026-12-01T10:00:00.000Z"
    assert len(stub.requests("GET", f"/blocks/{ROOT}/children")) == root_children


def test_expired_file_url_gets_a_fresh_one(app, stub):
    audio = next(b for b in stub.children[ROOT] if b["type"] == "audio" and b["audio"]["type"] == "file")
    old = audio["audio"]["file"]["url"].split("/files/")[1].split("?")[0]
    stub.expired.add(old)
    fresh = copy.deepcopy(audio)
    stub.files["fresh/ifudoudou.mp3"] = b"bytes of the fresh copy"
    fresh["audio"]["file"]["url"] = stub.file_url("fresh/ifudoudou.mp3")
    stub.blocks[cid(audio["id"])] = fresh
    report = run(app, stub)
    assert report.to_json()["counts"]["failed"] == 0
    assert find(app.config.vault, "ifudoudou.mp3").read_bytes() == b"bytes of the fresh copy"
    assert stub.requests("GET", f"^/v1/blocks/{cid(audio['id'])}$") or \
        stub.requests("GET", f"^/v1/blocks/{audio['id']}$")


def test_file_that_stays_unavailable_is_reported_not_linked(app, stub):
    video = next(b for b in stub.children[ROOT] if b["type"] == "video" and b["video"]["type"] == "file")
    name = video["video"]["file"]["url"].split("/files/")[1].split("?")[0]
    stub.expired.add(name)
    report = run(app, stub)
    data = report.to_json()
    assert data["counts"]["failed"] == 0
    problem = [i for i in data["items"] if i["status"] == "skipped" and "attachment" in i.get("reason", "")]
    assert problem and "403" in problem[0]["reason"] and problem[0]["notion_id"] == ROOT
    body = find(app.config.vault, "Everything.md").read_text("utf-8")
    assert "/files/" not in body and "not imported" in body


def test_no_attachments_downloads_nothing(app, stub):
    report = run(app, stub, attachments=False)
    assert report.to_json()["counts"]["written"] == 5
    assert stub.requests("GET", "^/files/") == []
    assert not list(app.config.vault.rglob("*.mp3"))


def test_search_imports_everything_shared_once(app, stub):
    stub.page_size_cap = 2              # every list (search, blocks, rows) comes in pages of two
    report = run(app, stub, pages=())
    counts = report.to_json()["counts"]
    assert counts["written"] == 5 and counts["failed"] == 0 and counts["skipped"] == 0, report.to_json()
    root_lists = stub.requests("GET", f"/blocks/{ROOT}/children")
    assert len(root_lists) == len({r["query"].get("start_cursor") for r in root_lists}) > 10   # walked once, paged
    assert len(stub.requests("POST", "/search")) == 3
    assert find(app.config.vault, "Child page.md").parent.name == "Everything"
    assert "- [x] Done\n    - [ ] Nestd Todo" in find(app.config.vault, "Everything.md").read_text("utf-8")


def test_a_page_that_cannot_be_read_is_listed_and_the_rest_written(app, stub):
    del stub.children[CHILD_PAGE]        # 404 on its blocks, as for a page no longer shared
    report = run(app, stub)
    data = report.to_json()
    assert data["counts"]["failed"] == 1 and data["counts"]["written"] == 4
    failed = data["items"][[i["status"] for i in data["items"]].index("failed")]
    assert failed["notion_id"] == CHILD_PAGE and "404" in failed["reason"] and "object_not_found" in failed["reason"]


def test_interrupted_run_resumes_without_fetching_again(app, stub):
    def killer(phase, done, total):
        if phase == "fetching" and done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_api_import(app, ApiImportRequest(token_env=ENV, pages=[ROOT], api_url=stub.url, extract=False),
                       progress=killer)
    assert not list(app.config.vault.rglob("*.md"))          # nothing half-written
    fetched = {r["path"] for r in stub.requests("GET", "/children")}
    downloads = len(stub.requests("GET", "^/files/"))
    report = run(app, stub)
    assert report.to_json()["counts"]["written"] == 5
    again = [r["path"] for r in stub.requests("GET", "/children")][len(fetched):]
    assert not set(again) & fetched                          # pages fetched before the kill came from the cache
    assert len(stub.requests("GET", "^/files/")) == downloads  # and their files too
    assert find(app.config.vault, "ifudoudou.mp3").read_bytes().startswith(b"bytes of ")


def test_token_is_never_written_anywhere(app, stub, caplog):
    caplog.set_level("DEBUG")
    run(app, stub)
    stub.script[f"GET /v1/pages/{CHILD_PAGE}"] = [
        (400, {}, {"object": "error", "status": 400, "code": "validation_error", "message": f"echo Bearer {TOKEN}"})]
    report = run(app, stub, pages=[CHILD_PAGE])
    assert report.to_json()["counts"]["failed"] == 1
    assert TOKEN not in str(report.to_json())
    for folder in (app.config.vault, app.config.state_dir):
        for path in folder.rglob("*"):
            if path.is_file():
                assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in caplog.text


def test_missing_token_variable_is_one_clear_error(app, stub, monkeypatch):
    from memd.errors import InputFormatError

    monkeypatch.delenv(ENV)
    with pytest.raises(InputFormatError, match=f"{ENV} is not set"):
        run(app, stub)
    with pytest.raises(InputFormatError, match="NAME of an environment variable"):
        run_api_import(app, ApiImportRequest(token_env=TOKEN + "-x!", api_url=stub.url))
    monkeypatch.setenv(ENV, TOKEN)
    with pytest.raises(InputFormatError, match="not a Notion page id or URL"):
        run(app, stub, pages=["not a page"])


def test_failed_file_is_tried_again_on_the_next_run(app, stub):
    video = next(b for b in stub.children[ROOT] if b["type"] == "video" and b["video"]["type"] == "file")
    name = video["video"]["file"]["url"].split("/files/")[1].split("?")[0]
    stub.expired.add(name)
    run(app, stub)
    stub.expired.discard(name)                    # the file host answers again
    report = run(app, stub)
    assert report.to_json()["counts"]["updated"] == 1
    assert find(app.config.vault, "mov_hts-samp003.mp4_-_Free_Movie_Material.mp4").read_bytes().startswith(b"bytes")
    assert "![[mov_hts-samp003.mp4_-_Free_Movie_Material.mp4]]" in find(app.config.vault, "Everything.md").read_text()


def test_page_option_takes_a_database(app, stub):
    from notion_api_stub import DATABASE

    report = run(app, stub, pages=[f"https://www.notion.so/{DATABASE}?v=0123456789abcdef0123456789abcdef"])
    counts = report.to_json()["counts"]
    assert counts["written"] == 3 and counts["failed"] == 0, report.to_json()   # the database and its two rows
    assert find(app.config.vault, "item1.md").parent.name == "Child database"


def test_cancel_ends_the_run_without_writing(app, stub):
    from memd.importers.notion.api_client import NotionCancelled

    def cancel(phase, done, total):
        if phase == "fetching" and done == 2:
            app.import_cancel.set()

    with pytest.raises(NotionCancelled):
        run_api_import(app, ApiImportRequest(token_env=ENV, pages=[ROOT], api_url=stub.url, extract=False),
                       progress=cancel)
    assert not list(app.config.vault.rglob("*.md"))
    app.import_cancel.clear()
    assert run(app, stub).to_json()["counts"]["written"] == 5


def test_link_to_a_block_of_another_page_gets_an_anchor_there(app, stub):
    target = copy.deepcopy(stub.children[CHILD_PAGE][0])            # a recorded paragraph block
    target["id"] = "b10cb10c-b10c-b10c-b10c-b10cb10cb10c"
    target["paragraph"]["rich_text"][0]["plain_text"] = "The block linked to."
    stub.children[ROOT] = [target] + stub.children[ROOT]
    link = copy.deepcopy(stub.children[CHILD_PAGE][0])
    run_ = link["paragraph"]["rich_text"][0]
    run_["plain_text"] = "see there"
    run_["href"] = f"https://www.notion.so/Everything-{ROOT}#b10cb10cb10cb10cb10cb10cb10cb10c"
    stub.children[CHILD_PAGE] = [link]
    report = run(app, stub)
    assert report.to_json()["counts"]["failed"] == 0
    root = find(app.config.vault, "Everything.md").read_text("utf-8")
    assert "The block linked to. ^b10cb10cb10cb10cb10cb10cb10cb10c\n" in root
    child = find(app.config.vault, "Child page.md").read_text("utf-8")
    assert "[[Everything#^b10cb10cb10cb10cb10cb10cb10cb10c|see there]]" in child


def test_a_token_given_as_the_variable_name_is_not_echoed(app, stub):
    from memd.errors import InputFormatError

    for mistake in (TOKEN, "secret_abcdefABCDEF0123456789abcdefABCDEF0123456789abc"):
        with pytest.raises(InputFormatError) as err:
            run_api_import(app, ApiImportRequest(token_env=mistake, api_url=stub.url))
        assert mistake not in str(err.value) and "NAME of an environment variable" in str(err.value)


def test_dry_run_writes_nothing_anywhere(app, stub):
    report = run(app, stub, dry_run=True)
    data = report.to_json()
    assert data["dry_run"] and data["counts"]["written"] == 5
    assert not list(app.config.vault.rglob("*.md"))
    assert stub.requests("GET", "^/files/") == []           # nor downloads
    from memd.importers.notion.api_state import PageCache

    cache = PageCache(app.config.state_dir)
    try:
        assert cache.count() == 0
    finally:
        cache.close()


def test_a_note_edited_by_hand_is_kept_and_the_new_version_goes_to_review(app, stub):
    run(app, stub)
    note = find(app.config.vault, "Child page.md")
    edited = note.read_text("utf-8") + "\nMy own line, written in Obsidian.\n"
    note.write_text(edited, "utf-8")
    stub.pages[CHILD_PAGE]["last_edited_time"] = "2026-12-01T10:00:00.000Z"
    block = copy.deepcopy(stub.children[CHILD_PAGE][0])
    block["paragraph"]["rich_text"][0]["plain_text"] = "Changed in Notion."
    stub.children[CHILD_PAGE] = [block]
    report = run(app, stub)
    data = report.to_json()
    assert data["counts"]["kept"] == 1 and data["counts"]["updated"] == 0, data
    assert note.read_text("utf-8") == edited                        # the user's text untouched
    items = app.state.review_items()
    assert len(items) == 1 and "Changed in Notion." in (items[0]["proposed"] or "")


def test_a_row_named_on_its_own_keeps_its_properties(app, stub):
    report = run(app, stub, pages=[ROW])
    assert report.to_json()["counts"]["written"] == 1
    assert meta(find(app.config.vault, "item1.md").read_text("utf-8"))["Status"] == "Done"


def test_rate_limits_and_server_errors_mid_import_cost_nothing(app, stub):
    from notion_api_stub import DATA_SOURCE

    limited = (429, {"Retry-After": "1"}, {"object": "error", "status": 429, "code": "rate_limited", "message": "slow"})
    stub.script[f"GET /v1/blocks/{CHILD_PAGE}/children"] = [limited, limited]
    stub.script[f"POST /v1/data_sources/{DATA_SOURCE}/query"] = [
        (500, {}, {"object": "error", "status": 500, "code": "internal_server_error", "message": "x"}),
        (529, {}, b"overloaded"), (503, {}, b"")]
    report = run(app, stub)
    assert report.to_json()["counts"] == {**report.to_json()["counts"], "written": 5, "failed": 0}
    assert len(stub.requests("GET", f"/blocks/{CHILD_PAGE}/children")) == 3
    assert len(stub.requests("POST", "/query")) == 4
