"""Notion API import: pages per second, requests per page and peak memory, against a plain baseline.

    .venv/bin/python bench/notion_api_bench.py               # 1,000 pages + a 200-row database
    .venv/bin/python bench/notion_api_bench.py --pages 3000 --rows 500

A generated workspace (a page tree, each page ~20 blocks of mixed types with nested children,
links between pages, a database with typed rows) is served by the local stub server of the tests
(tests/notion_api_stub.py, a real HTTP server on 127.0.0.1). memd's API import runs in its own
process (so its peak RSS is its own) with the 3-requests-a-second limiter lifted: what is measured
is memd's own cost per page; the limiter's floor at Notion is shown beside it (requests / 3 s).
A second memd run measures the re-run (nothing changed: no blocks fetched, nothing written).
Baseline, in the same run: notion-client's own paginated `blocks.children.list` per page (no
recursion into children), plain text joined and written as one .md per page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
RESULTS = HERE / "results" / "notion_api_bench.json"
TOKEN = "ntn_bench_token_not_secret"


def _rt(text: str, **marks: object) -> dict:
    ann = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False,
           "color": "default"} | marks
    return {"type": "text", "text": {"content": text, "link": None}, "annotations": ann, "plain_text": text,
            "href": None}


def _block(stub, bid: str, kind: str, data: dict, kids: list | None = None) -> dict:
    b = {"object": "block", "id": bid, "type": kind, kind: data, "has_children": bool(kids), "in_trash": False,
         "created_time": "2026-01-01T00:00:00.000Z", "last_edited_time": "2026-01-01T00:00:00.000Z"}
    if kids:
        stub.children[bid.replace("-", "")] = kids
    return b


def build(stub, pages: int, rows: int) -> str:
    from notion_api_stub import dashed, page_object

    ids = [f"{n:032x}" for n in range(1, pages + 1)]
    for n, pid in enumerate(ids):
        parent = {"type": "workspace", "workspace": True} if n == 0 else \
            {"type": "page_id", "page_id": dashed(ids[(n - 1) // 20])}
        stub.pages[pid] = page_object(pid, f"Page {n} about things", parent=parent)
        blocks = []
        for k in range(6):
            bid = f"{n:016x}{k:016x}"
            para = _rt(f"I went to place {k} on page {n} and wrote a few words about it. ")
            link = _rt("see the next page") | {"href": f"/{ids[(n + 1) % pages]}"}
            blocks.append(_block(stub, bid, "paragraph", {"rich_text": [para, _rt("bold", bold=True), link]}))
        blocks.append(_block(stub, f"{n:016x}{'a' * 16}", "heading_2", {"rich_text": [_rt(f"Section {n}")]}))
        items = [_block(stub, f"{n:016x}{'b' * 15}{i}", "to_do", {"rich_text": [_rt(f"task {i}")], "checked": i % 2})
                 for i in range(4)]
        blocks += items
        inner = [_block(stub, f"{n:016x}{'c' * 15}{i}", "bulleted_list_item", {"rich_text": [_rt(f"inner {i}")]})
                 for i in range(3)]
        blocks.append(_block(stub, f"{n:016x}{'d' * 16}", "toggle", {"rich_text": [_rt("details")]}, inner))
        blocks.append(_block(stub, f"{n:016x}{'e' * 16}", "code", {"rich_text": [_rt("print('hi')")],
                                                                  "language": "python", "caption": []}))
        for child in ids[n * 20 + 1:n * 20 + 21]:
            blocks.append(_block(stub, child, "child_page", {"title": f"Page {int(child, 16) - 1} about things"}))
        stub.children[pid] = blocks
    db, ds = "d" * 32, "e" * 32
    stub.children[ids[0]].append(_block(stub, db, "child_database", {"title": "Contacts"}))
    stub.databases[db] = {"object": "database", "id": dashed(db), "title": [_rt("Contacts")],
                          "data_sources": [{"id": dashed(ds), "name": "Contacts"}],
                          "last_edited_time": "2026-01-01T00:00:00.000Z", "parent": {"type": "page_id"}}
    stub.data_sources[ds] = {"object": "data_source", "id": dashed(ds), "properties": {
        "Name": {"type": "title", "title": {}}, "Email": {"type": "email", "email": {}},
        "Tags": {"type": "multi_select", "multi_select": {}}, "Met": {"type": "date", "date": {}}}}
    stub.rows[ds] = []
    for r in range(rows):
        rid = f"{r:08x}" + "f" * 24
        row = page_object(rid, f"Person {r}", parent={"type": "data_source_id", "data_source_id": dashed(ds)})
        row["properties"] = {"Name": {"type": "title", "title": [_rt(f"Person {r}")]},
                             "Email": {"type": "email", "email": f"p{r}@example.org"},
                             "Tags": {"type": "multi_select", "multi_select": [{"name": "friend"}]},
                             "Met": {"type": "date", "date": {"start": "2024-05-01", "end": None}}}
        stub.rows[ds].append(row)
        stub.children[rid] = [_block(stub, f"{r:016x}{'9' * 16}", "paragraph",
                                     {"rich_text": [_rt(f"Person {r} lives in town {r % 17}.")]})]
    return ids[0]


def _child(mode: str, url: str, root: str, work: str) -> None:
    t0 = time.perf_counter()
    if mode == "baseline":
        from notion_client import Client
        from notion_client.helpers import collect_paginated_api

        client = Client(auth=TOKEN, base_url=url, retry=False)
        out = Path(work) / "baseline"
        out.mkdir(parents=True, exist_ok=True)
        todo, n = [root], 0
        while todo:
            pid = todo.pop()
            blocks = collect_paginated_api(client.blocks.children.list, block_id=pid)
            text = []
            for b in blocks:
                if b["type"] == "child_page":
                    todo.append(b["id"].replace("-", ""))
                rich = (b.get(b["type"]) or {}).get("rich_text") or []
                text.append("".join(r.get("plain_text", "") for r in rich))
            (out / f"{n}.md").write_text("\n\n".join(text), "utf-8")
            n += 1
        result = {"pages": n}
    else:
        from memd.app import Memd
        from memd.config import config_from_dict
        from memd.importers.notion import api_import
        from memd.importers.notion.api_client import NotionAPI, TokenBucket

        class Unlimited(NotionAPI):
            def __init__(self, token: str, **kw: object):
                kw["bucket"] = TokenBucket(1e9, 1e9)
                super().__init__(token, **kw)

        api_import.NotionAPI = Unlimited
        os.environ["BENCH_NOTION_TOKEN"] = TOKEN
        cfg = config_from_dict({"vault": str(Path(work) / "vault"), "state_dir": str(Path(work) / "state"),
                                "writer": {"fsync": False, "settle_seconds": 0}}, Path(work) / "config.toml")
        (Path(work) / "vault").mkdir(exist_ok=True)
        with Memd(cfg) as app:
            report = api_import.run_api_import(app, api_import.ApiImportRequest(
                token_env="BENCH_NOTION_TOKEN", pages=[root], api_url=url, extract=False))
        result = {"pages": sum(report.to_json()["counts"].values()), "counts": report.to_json()["counts"]}
    result["seconds"] = time.perf_counter() - t0
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(stub, mode: str, root: str, work: str) -> dict:
    before = len(stub.log)
    out = subprocess.run([sys.executable, __file__, "--child", mode, stub.url, root, work], capture_output=True,
                         text=True, check=True, cwd=REPO)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["requests"] = len(stub.log) - before
    result["pages_per_s"] = result["pages"] / result["seconds"]
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--child", nargs=4)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    from rich.console import Console
    from rich.table import Table

    from notion_api_stub import NotionStub

    with NotionStub(TOKEN) as stub, tempfile.TemporaryDirectory() as work:
        root = build(stub, args.pages, args.rows)
        runs = {"baseline (notion-client, text only)": _measure(stub, "baseline", root, work),
                "memd first import": _measure(stub, "memd", root, work),
                "memd re-run (unchanged)": _measure(stub, "memd", root, work)}
    table = Table(title=f"Notion API import: {args.pages} pages + {args.rows} database rows (local stub server,"
                        " limiter lifted)")
    for col in ("run", "pages", "seconds", "pages/s", "requests", "req/page", "at 3 req/s", "peak RSS MB"):
        table.add_column(col, justify="right" if col != "run" else "left")
    for name, r in runs.items():
        table.add_row(name, str(r["pages"]), f"{r['seconds']:.1f}", f"{r['pages_per_s']:.0f}", str(r["requests"]),
                      f"{r['requests'] / max(r['pages'], 1):.2f}", f"{r['requests'] / 3 / 60:.1f} min",
                      f"{r['peak_rss_mb']:.0f}")
    Console(width=140).print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"pages": args.pages, "rows": args.rows, "machine": platform.platform(),
                                   "cpus": os.cpu_count(), "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
