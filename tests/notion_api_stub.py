"""A local Notion API: a real HTTP server on 127.0.0.1 that replays recorded API bodies
(../shared/fixtures/notion) and scripted failures, for notion-client pointed at it via base_url.

`NotionStub` serves /v1/pages, /v1/blocks (+ /children, paginated by `page_size` and
`start_cursor`), /v1/databases, /v1/data_sources (+ /query), /v1/search, and /files/<name> for
downloads (a name in `expired` answers 403 like S3 past a signed URL's hour). `script` queues
responses (status, headers, body) per "METHOD /path" ahead of the normal ones; `log` records
every request (method, path, query, authorization header).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from support import FIXTURES

NOTION = FIXTURES / "notion"
CASSETTES = NOTION / "notion-sdk-py_cassettes" / "extracted"
RENDERER = NOTION / "udus122_notion-renderer_api_json"


def cid(value: str) -> str:
    return value.replace("-", "").lower()


def load(path: Path) -> Any:
    if not path.exists():
        pytest.skip(f"shared fixture not available: {path}")
    return json.loads(path.read_text("utf-8"))


def cassette(prefix: str) -> Any:
    """One recorded response body from the notion-sdk-py cassettes, by file name prefix (the
    test is skipped, with the reason, where ../shared/fixtures is not there)."""
    if not CASSETTES.exists():
        pytest.skip(f"shared fixture not available: {CASSETTES}")
    found = sorted(CASSETTES.glob(prefix + "*"))
    assert found, prefix
    return load(found[0])


class NotionStub:
    def __init__(self, token: str):
        self.token = token
        self.pages: dict[str, dict[str, Any]] = {}
        self.blocks: dict[str, dict[str, Any]] = {}
        self.children: dict[str, list[dict[str, Any]]] = {}
        self.recorded_children: dict[tuple[str, str | None], dict[str, Any]] = {}
        self.databases: dict[str, dict[str, Any]] = {}
        self.data_sources: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.search_results: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.expired: set[str] = set()
        self.script: dict[str, list[tuple[int, dict[str, str], Any]]] = {}
        self.page_size_cap = 100
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "NotionStub":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests(self, method: str | None = None, path_re: str = "") -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.log if (method is None or r["method"] == method) and re.search(path_re, r["path"])]

    def file_url(self, name: str) -> str:
        return f"{self.url}/files/{name}?X-Amz-Expires=3600"

    # -- routing ---------------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, str], body: dict[str, Any], auth: str
               ) -> tuple[int, dict[str, str], Any]:
        key = f"{method} {path}"
        with self.lock:
            self.log.append({"method": method, "path": path, "query": query, "body": body, "auth": auth})
            queued = self.script.get(key)
            if queued:
                return queued.pop(0)
        if path.startswith("/files/"):
            name = path[len("/files/"):]
            if name in self.expired:
                return 403, {"Content-Type": "application/xml"}, b"<Error><Code>AccessDenied</Code>" \
                    b"<Message>Request has expired</Message></Error>"
            if name not in self.files:
                return 404, {}, b"no such file"
            return 200, {"Content-Type": "application/octet-stream"}, self.files[name]
        if auth != f"Bearer {self.token}":
            return 401, {}, cassette("test_api_response_error__01")
        parts = [p for p in path.split("/") if p][1:]     # after "v1"
        ident = cid(parts[1]) if len(parts) > 1 else ""
        if parts[:1] == ["pages"] and len(parts) == 2 and ident in self.pages:
            return 200, {}, self.pages[ident]
        if parts[:1] == ["blocks"] and len(parts) == 3 and parts[2] == "children":
            cursor = query.get("start_cursor")
            if (ident, cursor) in self.recorded_children:
                return 200, {}, self.recorded_children[(ident, cursor)]
            if ident in self.children:
                return 200, {}, self._paginate(self.children[ident], query, "block")
        if parts[:1] == ["blocks"] and len(parts) == 2 and ident in self.blocks:
            return 200, {}, self.blocks[ident]
        if parts[:1] == ["databases"] and ident in self.databases:
            return 200, {}, self.databases[ident]
        if parts[:1] == ["data_sources"] and len(parts) == 2 and ident in self.data_sources:
            return 200, {}, self.data_sources[ident]
        if parts[:1] == ["data_sources"] and len(parts) == 3 and parts[2] == "query" and ident in self.rows:
            return 200, {}, self._paginate(self.rows[ident], body, "page_or_data_source")
        if parts == ["search"]:
            return 200, {}, self._paginate(self.search_results, body, "page_or_data_source")
        return 404, {}, {"object": "error", "status": 404, "code": "object_not_found",
                         "message": f"Could not find object with ID: {ident}. Make sure the relevant pages and"
                                    " databases are shared with your integration."}

    def _paginate(self, items: list[dict[str, Any]], params: dict[str, Any], kind: str) -> dict[str, Any]:
        size = min(int(params.get("page_size") or 100), self.page_size_cap)
        start = int(params.get("start_cursor") or 0)
        chunk = items[start:start + size]
        more = start + size < len(items)
        return {"object": "list", "results": chunk, "next_cursor": str(start + size) if more else None,
                "has_more": more, "type": kind, kind: {}, "request_id": "stub"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                status, headers, payload = stub.answer(method, parts.path, query, body,
                                                       self.headers.get("Authorization") or "")
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                if not isinstance(payload, bytes):
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


# -- turning the renderer's fixtures (children inlined) into API responses -------------------------
def expand(block: dict[str, Any], stub: NotionStub) -> list[dict[str, Any]]:
    """One renderer-format block as the API's block(s): children moved to the stub's
    /children endpoint, synthetic list wrappers dissolved into their items, Notion-hosted file
    URLs pointed at the stub."""
    kind = block["type"]
    if kind in ("bulleted_list", "numbered_list"):
        return [b for item in block[kind]["items"] for b in expand(item, stub)]
    data = copy.deepcopy(block.get(kind) or {})
    kids = data.pop("children", None) or data.pop("columns", None) or data.pop("table_rows", None) or []
    if kind == "synced_block" and data.get("synced_from"):
        original = data["synced_from"]["block"]
        kids = original["synced_block"].get("children") or []
        data["synced_from"] = {"type": "block_id", "block_id": original["id"]}
    if kind in ("child_page", "child_database"):
        data = {"title": data.get("title", "")}
        kids = []
    if isinstance(data.get("file"), dict) and data.get("type") == "file":
        name = cid(block["id"]) + "/" + data["file"]["url"].split("?")[0].rsplit("/", 1)[-1]
        stub.files[name] = f"bytes of {name}".encode()
        data["file"] = {"url": stub.file_url(name), "expiry_time": "2026-12-02T23:00:00.000Z"}
    api_block = {k: v for k, v in block.items() if k != kind}
    api_block.update({"object": "block", kind: data, "in_trash": False, "archived": False})
    api_block.setdefault("created_time", "2026-07-04T09:08:00.000Z")
    api_block.setdefault("last_edited_time", "2026-07-04T09:08:00.000Z")
    api_block["has_children"] = bool(kids) or (kind == "child_page")
    if kids:
        stub.children[cid(block["id"])] = [b for k in kids for b in expand(k, stub)]
    stub.blocks[cid(block["id"])] = api_block
    return [api_block]


def page_object(page_id: str, title: str, *, parent: dict[str, Any] | None = None,
                edited: str = "2026-07-04T09:08:00.000Z", properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """A page as pages.retrieve returns it, built on a recorded one."""
    page = copy.deepcopy(cassette("test_pages_retrieve__01"))
    dashed = f"{page_id[:8]}-{page_id[8:12]}-{page_id[12:16]}-{page_id[16:20]}-{page_id[20:]}"
    page.update({"id": dashed, "last_edited_time": edited, "url": f"https://app.notion.com/p/{page_id}",
                 "parent": parent or {"type": "workspace", "workspace": True}})
    page["properties"] = properties or {"title": {"id": "title", "type": "title", "title": [
        {"type": "text", "text": {"content": title, "link": None}, "annotations": {}, "plain_text": title,
         "href": None}]}}
    return page


# -- a whole workspace: every recorded block type, a child page, a database with rows ---------------
ROOT = "393abc1eedcd80f3813be205934558c6"
CHILD_PAGE = "c2b895b3a4df4fc9bce8c9bc00983443"       # the recorded child_page block's page
DATABASE = "9a93d3be9ef944718a181572525eb5b3"         # the recorded child_database block's database
DATA_SOURCE = "b71e12133d0346cbb9c2db9856a9f42d"
ROW = "cc34d6768e5840a092443b684b6ec105"              # the recorded database row
TYPED_ROW = "5" * 32


def dashed(i: str) -> str:
    return f"{i[:8]}-{i[8:12]}-{i[12:16]}-{i[16:20]}-{i[20:]}"


def build_workspace(stub: NotionStub) -> None:
    root_blocks = []
    for f in sorted(RENDERER.glob("Blocks__*.json")):
        root_blocks += expand(load(f), stub)
    root = page_object(ROOT, "Everything")
    stub.pages[ROOT] = root
    stub.children[ROOT] = root_blocks
    stub.pages[CHILD_PAGE] = page_object(CHILD_PAGE, "Child page", parent={"type": "page_id", "page_id": dashed(ROOT)})
    stub.children[CHILD_PAGE] = cassette("test_blocks_retrieve__01")["results"]   # "I'm a paragraph."
    db = copy.deepcopy(cassette("test_databases_retrieve__02"))
    db.update({"id": dashed(DATABASE), "parent": {"type": "page_id", "page_id": dashed(ROOT)},
               "data_sources": [{"id": dashed(DATA_SOURCE), "name": "Child database"}]})
    db["title"][0]["plain_text"] = "Child database"
    stub.databases[DATABASE] = db
    source = copy.deepcopy(cassette("test_data_sources_retrieve__03"))
    source["id"] = dashed(DATA_SOURCE)
    source["parent"] = {"type": "database_id", "database_id": dashed(DATABASE)}
    source["database_parent"] = {"type": "page_id", "page_id": dashed(ROOT)}
    row = load(RENDERER / "Database__Page.json")
    row["parent"] = {"type": "data_source_id", "data_source_id": dashed(DATA_SOURCE)}
    typed = copy.deepcopy(row)
    typed["id"] = dashed(TYPED_ROW)
    typed["properties"] = {"Name": row["properties"]["Name"] | {"title": [dict(row["properties"]["Name"]["title"][0],
                                                                               plain_text="typed row")]}}
    for f in sorted(RENDERER.glob("Property__*.json")):
        if f.name != "Property__Title.json":
            typed["properties"][f.name[len("Property__"):-5]] = load(f)
    typed["properties"]["Related"] = {"id": "rel", "type": "relation", "relation": [{"id": dashed(CHILD_PAGE)}],
                                      "has_more": False}
    source["properties"] = {name: {"id": p.get("id", name), "name": name, "type": p["type"], p["type"]: {}}
                            for name, p in (row["properties"] | typed["properties"]).items()}
    stub.data_sources[DATA_SOURCE] = source
    stub.rows[DATA_SOURCE] = [row, typed]
    for r in (row, typed):
        stub.pages[cid(r["id"])] = r
        stub.children[cid(r["id"])] = []
    stub.search_results = [root, stub.pages[CHILD_PAGE], row, typed, source]
