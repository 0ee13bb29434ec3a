"""`memd import notion --token-env VAR [--page ID|URL ...]` and the daemon's scheduled sync.

The token is read from the named environment variable, handed to the API client and nowhere
else: not to the vault, the state, the cache, a log line or an error message (the client scrubs
its messages; errors here name the variable, never its value).

A run fetches (api_fetch: unchanged pages come from the cache without fetching their blocks)
and writes through the Notion writer (write.py: names, links, the writer's compare-and-swap,
extraction, the report). Pages the writer has finished with are marked in the cache; an
interrupted run leaves the rest there, with their downloaded files, for the next run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memd.errors import InputFormatError, MemdError

from .api_client import NotionAPI
from .api_fetch import Fetcher
from .api_richtext import id_from_ref
from .api_state import PageCache

log = logging.getLogger("memd.importers.notion.api")

DEFAULT_API_URL = "https://api.notion.com"


@dataclass
class ApiImportRequest:
    token_env: str
    pages: list[str] = field(default_factory=list)   # ids or URLs; empty: everything shared
    dry_run: bool = False
    attachments: bool = True
    extract: bool = True
    api_url: str = DEFAULT_API_URL


def read_token(token_env: str) -> str:
    name = (token_env or "").strip()
    if not name:
        raise InputFormatError("--token-env needs the name of an environment variable holding the Notion token")
    # Notion tokens are `ntn_…` (older ones `secret_…`) and look like a variable name: a token given
    # here by mistake must not be echoed back in the "is not set" message
    if not name.replace("_", "").isalnum() or name.startswith(("ntn_", "secret_")) or len(name) > 64:
        raise InputFormatError("--token-env takes the NAME of an environment variable (like NOTION_TOKEN),"
                               " not the token itself")
    token = os.environ.get(name, "").strip()
    if not token:
        raise InputFormatError(f"the environment variable {name} is not set or empty",
                               hint=f"export {name}=<your integration's secret>, then run again")
    return token


def page_ids(refs: list[str], token: str) -> list[str]:
    ids = []
    for ref in refs:
        found = id_from_ref(ref)
        if found is None:
            shown = "(the token itself)" if token and token in ref else repr(ref)
            raise InputFormatError(f"--page {shown} is not a Notion page id or URL")
        ids.append(found)
    return list(dict.fromkeys(ids))


def run_api_import(app: Any, request: ApiImportRequest,
                   progress: Callable[[str, int, int | None], None] | None = None) -> Any:
    """Fetch and write; returns the writer's NotionReport, with the API's own problems added."""
    from .write import SOURCE, write_pages
    from ..ledger import PENDING, Ledger

    token = read_token(request.token_env)
    ids = page_ids(request.pages, token)
    api_url = request.api_url
    if api_url == DEFAULT_API_URL and getattr(app.config, "notion", None) is not None:
        api_url = app.config.notion.api_url or DEFAULT_API_URL
    cache = PageCache(app.config.state_dir)
    api = NotionAPI(token, base_url=api_url, cancel=app.import_cancel)
    del token
    try:
        fetcher = Fetcher(api, cache, attachments=request.attachments and not request.dry_run,
                          store=not request.dry_run, progress=progress)
        pages = fetcher.from_refs(ids) if ids else fetcher.from_search()
        dest = f"{app.config.memory.sources_dir.strip('/')}/notion"
        try:
            report = write_pages(app, pages, dest=dest, dry_run=request.dry_run, attachments=request.attachments,
                                 extract=request.extract, progress=progress)
        except InputFormatError as exc:
            if "no Notion pages" in str(exc):
                raise InputFormatError("the integration can see no Notion pages" + (" among those named" if ids else ""),
                                       hint="share the pages with the integration in Notion (••• > Connections)"
                                       ) from None
            raise
        ledger = Ledger(app.state)
        if not request.dry_run:
            done = [p for p in fetcher.yielded if (e := ledger.get(SOURCE, p)) is not None and e.status != PENDING]
            cache.mark_written(done)
        for problem in fetcher.file_problems:
            entry = ledger.get(SOURCE, problem["page"])
            where = f"{entry.path} > {problem['file']}" if entry is not None else problem["file"]
            report.skip(where, problem["page"], f"attachment {problem['file']!r} not downloaded: {problem['reason']}")
        for kind, n in sorted(fetcher.unknown_blocks.items()):
            log.info("notion: %d block(s) of type %s kept as text only", n, kind)
        report.source = "notion-api"
        report.format = "api"
        return report
    finally:
        api.close()
        cache.close()


def sync_configured(app: Any) -> dict[str, Any] | None:
    """The scheduler's job: sync the pages in `[notion]` (or all shared ones). Returns the report's
    JSON, or None when `[notion] token_env` is not set up. Errors are raised for the scheduler to
    record (they name the variable, never the token)."""
    cfg = getattr(app.config, "notion", None)
    if cfg is None or not cfg.token_env:
        return None
    if not os.environ.get(cfg.token_env, "").strip():
        raise MemdError(f"Notion sync: the environment variable {cfg.token_env} is not set in the daemon's environment")
    request = ApiImportRequest(token_env=cfg.token_env, pages=list(cfg.pages), api_url=cfg.api_url or DEFAULT_API_URL)
    report = run_api_import(app, request)
    data = report.to_json()
    log.info("notion sync: %s", {k: v for k, v in data["counts"].items() if v})
    return data
