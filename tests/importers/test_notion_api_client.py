"""The Notion API client against a real local HTTP server: rate limit, Retry-After, backoff,
pagination replayed from recorded traffic, errors that never carry the token."""

from __future__ import annotations

import pytest

from notion_api_stub import NotionStub, cassette, cid, page_object

from memd.importers.notion.api_client import MAX_TRIES, NotionAPI, NotionAPIError, TokenBucket

TOKEN = "ntn_S3cr3tT0kenValue_0123456789abcdef"
PAGE = "393abc1eedcd81f5ae94ec2d55fe98ed"     # the page of the recorded pages.retrieve


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class FreeBucket(TokenBucket):
    """Counts takes; the real limiter is tested on its own clock below."""

    def __init__(self) -> None:
        super().__init__()
        self.takes = 0

    def take(self) -> None:
        self.takes += 1


@pytest.fixture
def stub():
    with NotionStub(TOKEN) as s:
        s.pages[PAGE] = cassette("test_pages_retrieve__01")
        yield s


def client(stub: NotionStub, sleeps: Sleeps | None = None, token: str = TOKEN) -> NotionAPI:
    return NotionAPI(token, base_url=stub.url, bucket=FreeBucket(), sleep=sleeps if sleeps is not None else Sleeps())


def test_recorded_page_is_read_with_version_header(stub):
    with client(stub) as api:
        page = api.page(PAGE)
    assert page["id"] == "393abc1e-edcd-81f5-ae94-ec2d55fe98ed"
    assert stub.requests("GET", "/v1/pages/")[0]["auth"] == f"Bearer {TOKEN}"


def test_429_waits_exactly_retry_after_then_succeeds(stub):
    stub.script[f"GET /v1/pages/{PAGE}"] = [
        (429, {"Retry-After": "2"}, {"object": "error", "status": 429, "code": "rate_limited",
                                     "message": "You have been rate limited. Please try again in a few minutes."})]
    sleeps = Sleeps()
    with client(stub, sleeps) as api:
        page = api.page(PAGE)
        assert api.retries == 1 and api.requests == 2
    assert cid(page["id"]) == PAGE
    assert sleeps == [2.0]
    assert len(stub.requests("GET", "/v1/pages/")) == 2


def test_5xx_and_529_burst_backs_off_then_succeeds_on_post(stub):
    stub.search_results = [page_object("0" * 31 + "1", "A")]
    burst = [(500, {}, {"object": "error", "status": 500, "code": "internal_server_error", "message": "boom"}),
             (502, {}, b"<html>bad gateway</html>"),
             (503, {}, {"object": "error", "status": 503, "code": "service_unavailable", "message": "busy"}),
             (529, {}, {"object": "error", "status": 529, "code": "service_overload", "message": "overloaded"}),
             (408, {}, b"timeout")]
    stub.script["POST /v1/search"] = list(burst)
    sleeps = Sleeps()
    with client(stub, sleeps) as api:
        results = list(api.search())
    assert [cid(r["id"]) for r in results] == ["0" * 31 + "1"]
    assert len(sleeps) == 5
    # exponential with jitter in [0.5, 1] of 1, 2, 4, 8, 16 s
    for n, s in enumerate(sleeps):
        assert 0.5 * 2 ** n <= s <= 2 ** n


def test_persistent_503_gives_up_after_bounded_tries(stub):
    stub.script[f"GET /v1/pages/{PAGE}"] = [
        (503, {}, {"object": "error", "status": 503, "code": "service_unavailable", "message": "busy"})] * 50
    sleeps = Sleeps()
    with client(stub, sleeps) as api, pytest.raises(NotionAPIError) as err:
        api.page(PAGE)
    assert err.value.status == 503
    assert len(stub.requests("GET", "/v1/pages/")) == MAX_TRIES
    assert len(sleeps) == MAX_TRIES - 1
    assert "after 8 tries" in str(err.value)


def test_client_errors_are_not_retried(stub):
    with client(stub) as api, pytest.raises(NotionAPIError) as err:
        api.page("f" * 32)
    assert err.value.status == 404 and err.value.code == "object_not_found"
    assert len(stub.requests("GET", "/v1/pages/")) == 1


def test_recorded_pagination_chain_is_followed():
    """The cassette's three `blocks.children.list` answers (page_size=2), replayed by cursor."""
    parent = "393abc1eedcd814baee5cf69471e5a43"
    with NotionStub(TOKEN) as stub:
        first = cassette("test_iterate_paginated_api__02")
        second = cassette("test_iterate_paginated_api__03")
        third = cassette("test_iterate_paginated_api__04")
        stub.recorded_children[(parent, None)] = first
        stub.recorded_children[(parent, first["next_cursor"])] = second
        stub.recorded_children[(parent, second["next_cursor"])] = third
        with client(stub) as api:
            blocks = list(api.children(parent))
        sent = [r["query"].get("start_cursor") for r in stub.requests("GET", "/children")]
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in blocks] == [f"paragraph {i}" for i in range(5)]
    assert sent == [None, first["next_cursor"], second["next_cursor"]]


def test_repeated_cursor_is_an_error_not_a_loop(stub):
    parent = "a" * 32
    looping = {"object": "list", "results": [], "next_cursor": "same", "has_more": True, "type": "block", "block": {}}
    stub.recorded_children[(parent, None)] = looping
    stub.recorded_children[(parent, "same")] = looping
    with client(stub) as api, pytest.raises(NotionAPIError, match="repeated a page cursor"):
        list(api.children(parent))


def test_token_never_in_errors_even_when_the_server_echoes_it(stub):
    echo = {"object": "error", "status": 400, "code": "validation_error",
            "message": f"bad header Authorization: Bearer {TOKEN}"}
    stub.script[f"GET /v1/pages/{PAGE}"] = [(400, {}, echo)]
    with client(stub) as api, pytest.raises(NotionAPIError) as err:
        api.page(PAGE)
    assert TOKEN not in str(err.value) and TOKEN not in repr(err.value.args)
    assert "[token]" in str(err.value)
    # the recorded 401 for a bad token
    from memd.importers.notion.api_client import NotionUnauthorized

    with client(stub, token="ntn_wrong_token_value") as api, pytest.raises(NotionUnauthorized) as err:
        api.page(PAGE)
    assert "HTTP 401 unauthorized: API token is invalid" in str(err.value)
    assert "ntn_wrong_token_value" not in str(err.value)


def test_downloads_never_send_the_token(stub, tmp_path):
    stub.files["a.png"] = b"\x89PNG..."
    with client(stub) as api:
        size = api.download(stub.file_url("a.png"), tmp_path / "a")
    assert size == 7 and (tmp_path / "a").read_bytes() == b"\x89PNG..."
    assert stub.requests("GET", "/files/")[0]["auth"] == ""


def test_oversized_download_leaves_no_partial_file(stub, tmp_path):
    stub.files["big"] = b"x" * 5000
    with client(stub) as api, pytest.raises(NotionAPIError, match="limit"):
        api.download(stub.file_url("big"), tmp_path / "big", max_bytes=1000)
    assert not (tmp_path / "big").exists()


def test_token_bucket_holds_three_a_second():
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(3.0, 3.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(30):
        bucket.take()
    # 3 at once (the burst), then one every 1/3 s: 27 more take 9 s
    assert now[0] == pytest.approx(9.0, abs=1e-6)
    bucket.hold(2.0)       # a 429's Retry-After empties the bucket for that long
    before = now[0]
    bucket.take()
    assert now[0] - before == pytest.approx(2.0 + 1 / 3, abs=1e-6)
