"""A careful client for the Notion API (notion-client 3.x, Notion-Version 2025-09-03).

notion-client does the HTTP and the endpoint paths; this module adds what a 10,000-page import
needs and the library does not give:

* a token bucket at <= 3 requests a second (Notion's documented average per integration);
* retries under our control: `Retry-After` obeyed on 429, exponential backoff with jitter on
  408 / 5xx / 529 and dropped connections, a bounded number of tries. notion-client's own
  RetryOptions retries only 429 and, for GET only, 500/503 (not 408, 502, 504, 529, nor the
  POST endpoints search and data_sources.query), so it is switched off (`retry=False`);
* errors that never carry the token: every message is built from the status and Notion's error
  code/message, and scrubbed of the token anyway (a hostile or echoing server cannot leak it);
* notion-client's console logger (stdout, WARNING) is replaced by a silent one for the same
  reason and because `--json` output must stay parseable;
* file downloads without the Authorization header (Notion-hosted files live on S3 behind
  signed URLs; the token must never travel to a file host), streamed to disk with a size cap.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
from notion_client import Client

from memd.errors import MemdError
from notion_client.errors import HTTPResponseError, NotionClientErrorBase

NOTION_VERSION = "2025-09-03"
RATE_PER_S = 3.0
PAGE_SIZE = 100                  # the API's maximum
MAX_TRIES = 8                    # one call: the first try and 7 retries
MAX_WAIT_S = 120.0               # one wait (a workspace-wide limit asks for up to a minute or more)
BACKOFF_BASE_S = 1.0
MAX_DOWNLOAD_BYTES = 1 << 30     # 1 GiB: Notion's largest upload is 5 GiB, a vault note's neighbour should not be
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})

_silent = logging.getLogger("memd.importers.notion.sdk")
_silent.addHandler(logging.NullHandler())
_silent.propagate = False
_silent.disabled = True     # its lines quote the server's error message, which an echoing server fills with anything


class NotionAPIError(Exception):
    """One failed call, safe to show: `status` (0 for a network failure), Notion's `code`."""

    def __init__(self, message: str, *, status: int = 0, code: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class NotionCancelled(MemdError):
    """The import was asked to stop (the daemon shutting down): not a page failure, the run ends.
    What was fetched stays in the cache for the next run."""


class NotionUnauthorized(MemdError):
    """Notion refused the token (401): every call would fail the same way, so the run stops."""


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `take` blocks until one is there.
    `clock`/`sleep` are injectable so the rate can be checked without waiting on a wall clock."""

    def __init__(self, rate: float = RATE_PER_S, burst: float = RATE_PER_S, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = burst
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1 - 1e-9:   # float rounding must not leave it sleeping 1e-17 s forever
                    self._tokens -= 1
                    return
                self._sleep((1 - self._tokens) / self.rate)

    def hold(self, seconds: float) -> None:
        """A 429 says the budget is spent: empty the bucket so the next calls wait too."""
        with self._lock:
            self._tokens = min(self._tokens, 0.0) - seconds * self.rate
            self._last = self._clock()


def retry_after_seconds(headers: httpx.Headers | dict[str, str] | None) -> float | None:
    """`Retry-After` as seconds (integer seconds or an HTTP date), None when absent or unreadable."""
    value = (headers or {}).get("retry-after") or (headers or {}).get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class NotionAPI:
    """The calls the importer makes, each rate-limited and retried; results are plain dicts."""

    def __init__(self, token: str, *, base_url: str = "https://api.notion.com", timeout_s: float = 60.0,
                 bucket: TokenBucket | None = None, max_tries: int = MAX_TRIES,
                 sleep: Callable[[float], None] = time.sleep, cancel: threading.Event | None = None):
        if not token or not token.strip():
            raise NotionAPIError("the Notion token is empty")
        self._token = token.strip()
        self._client = Client(auth=self._token, base_url=base_url.rstrip("/"), notion_version=NOTION_VERSION,
                              timeout_ms=int(timeout_s * 1000), retry=False, logger=_silent)
        self._files = httpx.Client(timeout=timeout_s, follow_redirects=True)   # no auth header, ever
        self.bucket = bucket or TokenBucket()
        self.max_tries = max_tries
        self._sleep = sleep
        self._cancel = cancel
        self.requests = 0          # calls sent, retries included (for the report and the tests)
        self.retries = 0

    def close(self) -> None:
        self._client.close()
        self._files.close()

    def __enter__(self) -> "NotionAPI":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the endpoints ---------------------------------------------------------------------------
    def page(self, page_id: str) -> dict[str, Any]:
        return self._call(f"page {page_id}", self._client.pages.retrieve, page_id=page_id)

    def block(self, block_id: str) -> dict[str, Any]:
        return self._call(f"block {block_id}", self._client.blocks.retrieve, block_id=block_id)

    def database(self, database_id: str) -> dict[str, Any]:
        return self._call(f"database {database_id}", self._client.databases.retrieve, database_id=database_id)

    def data_source(self, data_source_id: str) -> dict[str, Any]:
        return self._call(f"data source {data_source_id}", self._client.data_sources.retrieve,
                          data_source_id=data_source_id)

    def children(self, block_id: str) -> Iterator[dict[str, Any]]:
        return self._paginate(f"children of {block_id}", self._client.blocks.children.list, block_id=block_id)

    def query(self, data_source_id: str) -> Iterator[dict[str, Any]]:
        return self._paginate(f"rows of data source {data_source_id}", self._client.data_sources.query,
                              data_source_id=data_source_id)

    def search(self) -> Iterator[dict[str, Any]]:
        """Every page and data source shared with the integration."""
        return self._paginate("search", self._client.search)

    def _paginate(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            extra = {"start_cursor": cursor} if cursor else {}
            answer = self._call(what, fn, page_size=PAGE_SIZE, **kwargs, **extra)
            yield from answer.get("results") or []
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return
            if cursor in seen:  # a server handing back a cursor twice would loop forever
                raise NotionAPIError(f"{what}: the API repeated a page cursor")
            seen.add(cursor)

    # -- retries ---------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
        for attempt in range(self.max_tries):
            self._check_cancel()
            self.bucket.take()
            self.requests += 1
            try:
                answer = fn(**kwargs)
            except HTTPResponseError as exc:
                code = str(getattr(exc.code, "value", exc.code))
                error = NotionAPIError(self._scrub(f"{what}: HTTP {exc.status} {code}: {exc}"),
                                       status=exc.status, code=code, retry_after=retry_after_seconds(exc.headers))
            except NotionClientErrorBase as exc:   # the client's own timeout
                error = NotionAPIError(self._scrub(f"{what}: {exc}"), code="timeout")
            except httpx.HTTPError as exc:           # refused, reset, DNS: worth another try
                error = NotionAPIError(self._scrub(f"{what}: network error ({type(exc).__name__})"), code="network")
            except ValueError:                       # a 200 whose body is not JSON
                error = NotionAPIError(f"{what}: the API answered with something that is not JSON", code="bad_json")
            else:
                if not isinstance(answer, dict):
                    raise NotionAPIError(f"{what}: the API answered with {type(answer).__name__}, not an object")
                return answer
            if error.status == 401:
                raise NotionUnauthorized(f"Notion refused the token: {error.args[0].split(': ', 1)[-1]}",
                                         hint="check the integration's secret in the environment variable")
            if not self._retryable(error) or attempt + 1 >= self.max_tries:
                if attempt:
                    error.args = (f"{error.args[0]} (after {attempt + 1} tries)",)
                raise error
            self.retries += 1
            self._wait(error, attempt)
        raise AssertionError("unreachable")

    @staticmethod
    def _retryable(error: NotionAPIError) -> bool:
        return error.status in RETRY_STATUSES or error.code in ("timeout", "network", "bad_json")

    def _wait(self, error: NotionAPIError, attempt: int) -> None:
        if error.retry_after is not None:      # the server said how long: exactly that (capped)
            delay = min(error.retry_after, MAX_WAIT_S)
            if error.status == 429:
                self.bucket.hold(delay)
        else:                                  # full jitter on an exponential curve
            delay = min(MAX_WAIT_S, BACKOFF_BASE_S * 2 ** attempt) * (0.5 + random.random() / 2)
        self._check_cancel()
        self._sleep(delay)

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise NotionCancelled("the Notion import was cancelled; the next run goes on from here")

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text

    # -- files -----------------------------------------------------------------------------------
    def download(self, url: str, dest: Path, *, max_bytes: int = MAX_DOWNLOAD_BYTES) -> int:
        """Stream `url` into `dest`; returns the size. A 403/400/404 from the file host (a signed
        URL past its hour) raises NotionAPIError with that status so the caller can fetch a fresh
        URL; 429/5xx are retried like API calls."""
        for attempt in range(self.max_tries):
            self._check_cancel()
            try:
                with self._files.stream("GET", url) as response:
                    if response.status_code >= 400:
                        error = NotionAPIError(f"download: HTTP {response.status_code}", status=response.status_code,
                                               retry_after=retry_after_seconds(response.headers))
                    else:
                        return self._save(response, dest, max_bytes)
            except httpx.HTTPError as exc:
                error = NotionAPIError(f"download: network error ({type(exc).__name__})", code="network")
            if not self._retryable(error) or attempt + 1 >= self.max_tries:
                raise error
            self.retries += 1
            self._wait(error, attempt)
        raise AssertionError("unreachable")

    @staticmethod
    def _save(response: httpx.Response, dest: Path, max_bytes: int) -> int:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise NotionAPIError(f"download: file is {int(declared)} bytes, over the {max_bytes}-byte limit",
                                 code="too_large")
        size = 0
        try:
            with open(dest, "wb") as out:
                for chunk in response.iter_bytes(1 << 16):
                    size += len(chunk)
                    if size > max_bytes:
                        raise NotionAPIError(f"download: file is over the {max_bytes}-byte limit", code="too_large")
                    out.write(chunk)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        return size
