"""The MCP server through the real `mcp` client: in process (Client(server)), and `memd mcp` as a
real subprocess over stdio and over streamable HTTP, with and without a running daemon."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("mcp", reason="the mcp extra is not installed (pip install -e '.[mcp]')")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

from memd.mcp import shape  # noqa: E402
from memd.mcp.server import TOOL_NAMES, build_server  # noqa: E402

MEMD = [sys.executable, "-P", "-m", "memd"]


def run(coro):
    return asyncio.run(coro)


def data(result):
    """A tool result's structured content, after checking it is not an error."""
    assert not result.is_error, result.content[0].text
    assert json.loads(result.content[0].text) == result.structured_content or result.structured_content.get("text")
    return result.structured_content


async def with_client(backend, body):
    async with Client(build_server(backend)) as c:
        return await body(c)


def user_file(config):
    return (config.vault / "memory" / "user.md").read_text(encoding="utf-8")


# -- in process -----------------------------------------------------------------------------------
def test_tools_are_the_seven_named_ones_with_annotations_and_bounded_schemas(backend):
    async def body(c):
        return (await c.list_tools()).tools, c.instructions

    tools, instructions = run(with_client(backend, body))
    by_name = {t.name: t for t in tools}
    assert tuple(by_name) == TOOL_NAMES and len(tools) <= 8
    for name in ("memory_search", "memory_context", "memory_get", "memory_ask"):
        assert by_name[name].annotations.read_only_hint is True, name
    for name in ("memory_forget", "memory_review"):
        assert by_name[name].annotations.read_only_hint is False
        assert by_name[name].annotations.destructive_hint is True, name
    assert by_name["memory_remember"].annotations.read_only_hint is False
    assert by_name["memory_remember"].annotations.destructive_hint is False
    assert all(t.annotations.open_world_hint is False for t in tools)
    # Arguments are bounded in the schema the client sees (snake_case fields in mcp 2.x).
    search_props = by_name["memory_search"].input_schema["properties"]
    assert by_name["memory_search"].input_schema["required"] == ["query"]
    assert any(o.get("maxLength") == 2000 for o in [search_props["query"]] + search_props["query"].get("anyOf", []))
    assert search_props["limit"]["maximum"] == 25
    assert set(by_name["memory_forget"].input_schema["required"]) == {"entity", "key"}
    assert by_name["memory_review"].input_schema["properties"]["action"]["enum"] == ["list", "accept", "reject"]
    # The whole tool surface costs the client's context little (an 89-tool peer costs ~17k tokens).
    assert len(json.dumps([t.model_dump(mode="json", exclude_none=True) for t in tools])) < 8000
    # Recall is the first step the server asks for.
    assert "Recall first" in instructions and "memory_context" in instructions and "memory_search" in instructions


def test_search_returns_turns_and_facts_with_links_and_pages(backend):
    async def body(c):
        first = data(await c.call_tool("memory_search", {"query": "dog leash", "limit": 1}))
        second = data(await c.call_tool("memory_search", {"query": "dog leash", "limit": 1,
                                                          "offset": first["next_offset"]}))
        facts = data(await c.call_tool("memory_search", {"query": "Lisbon"}))
        none = data(await c.call_tool("memory_search", {"query": "xylophone zeppelin"}))
        return first, second, facts, none

    first, second, facts, none = run(with_client(backend, body))
    hit = first["results"][0]
    assert "leash" in hit["text"] and hit["link"].startswith("[[memory-sources/chatgpt/")
    assert hit["turns"][0]["speaker"] == "User" and hit["turns"][0]["source_id"].startswith("demo-")
    assert {"block", "source_id", "time", "speaker"} <= set(hit["turns"][0])
    assert first["next_offset"] == 1
    assert second["offset"] == 1 and second["results"] and second["results"][0] != hit
    assert any(h["kind"] == "memory" and "Lisbon" in h["text"] for h in facts["results"])
    assert none["results"] == [] and none["note"] == "no match in memory"


def test_search_output_is_capped(backend, seeded):
    config = seeded[0]
    big = "\n\n".join(f"## Part {i}\n" + " ".join(["quokka"] + [f"w{i}x{j}" for j in range(3000)]) for i in range(12))
    (config.vault / "Huge.md").write_text(f"# Huge\n{big}\n", encoding="utf-8")
    backend.call("reindex")  # the daemon's watcher would; in process the index is brought up to date here

    async def body(c):
        return data(await c.call_tool("memory_search", {"query": "quokka", "limit": 25}))

    page = run(with_client(backend, body))
    assert page["results"], "the huge note is found"
    assert all(len(h["text"]) <= shape.TEXT_CAP for h in page["results"])
    assert any(h["text"].endswith(shape.CUT) for h in page["results"])
    assert sum(len(json.dumps(h)) for h in page["results"]) < shape.ANSWER_BUDGET * 1.5


def test_context_ask_and_get(backend):
    async def body(c):
        ctx = await c.call_tool("memory_context", {"query": "where do I live", "budget": 60})
        ask = data(await c.call_tool("memory_ask", {"question": "Where do I live?"}))
        user = data(await c.call_tool("memory_get", {"entity": "user"}))
        anna = data(await c.call_tool("memory_get", {"entity": "Anna"}))
        return ctx, ask, user, anna

    ctx, ask, user, anna = run(with_client(backend, body))
    assert not ctx.is_error
    assert "Lisbon" in ctx.content[0].text and "[[memory/user]]" in ctx.content[0].text
    assert ctx.structured_content["words"] <= 60 and ctx.structured_content["budget"] == 60
    assert ask["answer"] == "Lisbon" and ask["sources"][0]["path"] == "memory/user.md"
    assert user["is_user"] and {"key": "living_location", "value": "Lisbon"}.items() <= next(
        f for f in user["facts"] if f["key"] == "living_location").items()
    assert user["link"] == "[[memory/user]]" and user["facts_total"] == len(user["facts"])
    assert anna["name"] == "Anna" and any(f["value"] == "nurse" for f in anna["facts"])
    assert any(b["source"] == "memory/user.md" for b in anna["backlinks"])


def test_remember_writes_through_the_writer_and_get_sees_it(backend, seeded):
    config = seeded[0]

    async def body(c):
        stored = data(await c.call_tool("memory_remember", {"text": "My brother Tom works as a pilot."}))
        again = data(await c.call_tool("memory_remember", {"text": "My brother Tom works as a pilot."}))
        hello = data(await c.call_tool("memory_remember", {"text": "hello there"}))
        tom = data(await c.call_tool("memory_get", {"entity": "Tom"}))
        return stored, again, hello, tom

    stored, again, hello, tom = run(with_client(backend, body))
    assert stored["summary"].startswith("stored") and any(i.get("value") == "pilot" for i in stored["items"])
    assert all(w.get("journal_id") for w in stored["writes"] if w["status"] == "applied")
    assert again["summary"] == "already in memory; nothing changed"
    assert hello["summary"].startswith("nothing stored")
    assert any(f["key"] == "job_title" and f["value"] == "pilot" for f in tom["facts"])
    assert "pilot" in (config.vault / tom["path"]).read_text(encoding="utf-8")


def test_forget_says_which_lines_it_removed_and_removes_only_those(backend, seeded):
    config = seeded[0]
    anna_path = config.vault / "memory" / "entities" / "anna.md"
    before = anna_path.read_text(encoding="utf-8")
    assert "- job_title: nurse" in before

    async def body(c):
        gone = data(await c.call_tool("memory_forget", {"entity": "Anna", "key": "job_title"}))
        again = data(await c.call_tool("memory_forget", {"entity": "Anna", "key": "job_title"}))
        nobody = data(await c.call_tool("memory_forget", {"entity": "Nobody Atall", "key": "job_title"}))
        return gone, again, nobody

    gone, again, nobody = run(with_client(backend, body))
    assert gone["removed"][0]["lines"] == ["- job_title: nurse"] and gone["removed"][0]["journal_id"]
    assert gone["summary"].startswith("removed 1 line(s)") and "memd undo" in gone["summary"]
    after = anna_path.read_text(encoding="utf-8")
    assert after == before.replace("- job_title: nurse\n", "")
    assert again["removed"] == [] and again["summary"].startswith("nothing removed")
    assert nobody["removed"] == [] and "no entity" in nobody["summary"]
    # The journal holds it, as done by an MCP client: undo brings the line back.
    from memd import api
    from memd.app import Memd

    with Memd(config) as app:
        entry = next(e for e in api.call(app, "log", {"entity": "Anna"})["entries"]
                     if e["id"] == gone["removed"][0]["journal_id"])
        assert entry["op"] == "remove_fact" and entry["source"]["kind"] == "mcp"
        api.call(app, "undo", {"id": gone["removed"][0]["journal_id"]})
    assert anna_path.read_text(encoding="utf-8") == before


def test_a_hand_written_line_is_queued_for_review_then_accepted_or_rejected(backend, seeded):
    config = seeded[0]
    assert "- favourite_color: green" in user_file(config)

    async def body(c):
        forget = data(await c.call_tool("memory_forget", {"entity": "user", "key": "favourite_color"}))
        listed = data(await c.call_tool("memory_review", {"action": "list"}))
        no_id = await c.call_tool("memory_review", {"action": "accept"})
        accepted = data(await c.call_tool("memory_review", {"action": "accept", "id": forget["queued_for_review"][0]["review_id"]}))
        twice = await c.call_tool("memory_review", {"action": "reject", "id": forget["queued_for_review"][0]["review_id"]})
        after = data(await c.call_tool("memory_review", {"action": "list"}))
        return forget, listed, no_id, accepted, twice, after

    forget, listed, no_id, accepted, twice, after = run(with_client(backend, body))
    assert forget["removed"] == [] and forget["queued_for_review"] and "review" in forget["summary"]
    item = listed["items"][0]
    assert listed["total"] == 1 and item["now"] == "- favourite_color: green" and item["proposed"] is None
    assert no_id.is_error and "needs the item's id" in no_id.content[0].text
    assert accepted["status"] == "accepted"
    assert "favourite_color" not in user_file(config)
    assert twice.is_error and "already accepted" in twice.content[0].text
    assert after == {"items": [], "total": 0}


def test_resources_and_the_recall_prompt(backend):
    async def body(c):
        resources = (await c.list_resources()).resources
        templates = (await c.list_resource_templates()).resource_templates
        user = (await c.read_resource("memory://user")).contents[0]
        anna = (await c.read_resource("memory://entities/Anna")).contents[0]
        with pytest.raises(MCPError) as missing:
            await c.read_resource("memory://entities/Nobody%20Atall")
        prompts = (await c.list_prompts()).prompts
        recall = await c.get_prompt("recall", {"topic": "where I live"})
        bare = await c.get_prompt("recall", {})
        return resources, templates, user, anna, missing.value, prompts, recall, bare

    resources, templates, user, anna, missing, prompts, recall, bare = run(with_client(backend, body))
    assert [str(r.uri) for r in resources] == ["memory://user"]
    assert [t.uri_template for t in templates] == ["memory://entities/{name}"]
    assert user.mime_type == "text/markdown" and "- living_location: Lisbon" in user.text
    assert anna.text.startswith("# Anna") and "nurse" in anna.text
    assert "no entity called 'Nobody Atall'" in str(missing)
    assert [p.name for p in prompts] == ["recall"]
    text = recall.messages[0].content.text
    assert "consult my memory" in text and "memory_context" in text and "Lisbon" in text
    assert "consult my memory" in bare.messages[0].content.text


def test_bad_arguments_get_one_clear_error_and_the_server_keeps_serving(backend):
    async def body(c):
        errors = [
            await c.call_tool("memory_search", {"query": "x" * 5_000_000}),
            await c.call_tool("memory_search", {"query": "dog", "limit": "many"}),
            await c.call_tool("memory_search", {"query": "dog", "limit": 10_000}),
            await c.call_tool("memory_search", {}),
            await c.call_tool("memory_context", {"query": "dog", "budget": -1}),
            await c.call_tool("memory_remember", {"text": "y" * 30_000}),
            await c.call_tool("memory_remember", {"text": "   "}),
            await c.call_tool("memory_review", {"action": "burn"}),
            await c.call_tool("memory_review", {"action": "list", "id": 3}),
            await c.call_tool("memory_get", {"entity": "Nobody Atall"}),
            await c.call_tool("memory_forget", {"entity": "Anna"}),
            await c.call_tool("no_such_tool", {}),
        ]
        ok = data(await c.call_tool("memory_search", {"query": "Lisbon"}))
        return errors, ok

    errors, ok = run(with_client(backend, body))
    texts = [e.content[0].text for e in errors]
    assert all(e.is_error for e in errors), texts
    assert "at most 2000 characters" in texts[0] and len(texts[0]) < 1000  # the 5 MB argument is not echoed back
    assert "limit" in texts[1] and "less than or equal to 25" in texts[2] and "query" in texts[3]
    assert "budget" in texts[4] and "at most 20000 characters" in texts[5]
    assert "nothing to remember" in texts[6] and "'list', 'accept' or 'reject'" in texts[7]
    assert "list takes no id" in texts[8] and "no entity called 'Nobody Atall'" in texts[9]
    assert "key" in texts[10] and "Unknown tool" in texts[11]
    assert ok["results"]


# -- over stdio, as a client starts it --------------------------------------------------------------
def stdio_params(env):
    return StdioServerParameters(command=MEMD[0], args=[*MEMD[1:], "mcp"], env=env)


def test_memd_mcp_over_stdio_without_a_daemon(seeded):
    config, _, env = seeded

    async def body():
        async with Client(stdio_params(env)) as c:
            tools = [t.name for t in (await c.list_tools()).tools]
            found = data(await c.call_tool("memory_search", {"query": "Pastel dog"}))
            stored = data(await c.call_tool("memory_remember", {"text": "My brother Tom works as a pilot."}))
            user = (await c.read_resource("memory://user")).contents[0].text
            return tools, found, stored, user

    tools, found, stored, user = run(body())
    assert tuple(tools) == TOOL_NAMES
    assert any("Pastel" in h["text"] for h in found["results"])
    assert stored["summary"].startswith("stored")
    assert "Lisbon" in user
    assert "pilot" in (config.vault / "memory" / "entities" / "tom.md").read_text(encoding="utf-8")


def test_memd_mcp_over_stdio_goes_through_a_running_daemon(seeded, daemon):
    config, _, env = seeded
    from memd.mcp.backend import Backend

    probe = Backend(config=config)
    try:
        assert probe.call("status")["vault"] == str(config.vault)
        assert probe.mode == "daemon"
    finally:
        probe.close()

    async def body():
        async with Client(stdio_params(env)) as c:
            stored = data(await c.call_tool("memory_remember", {"text": "My brother Tom works as a pilot."}))
            found = data(await c.call_tool("memory_search", {"query": "Tom pilot"}))
            forgot = data(await c.call_tool("memory_forget", {"entity": "Tom", "key": "job_title"}))
            daemon.stop()  # the daemon goes away mid-session: the server carries on in process
            after = data(await c.call_tool("memory_search", {"query": "Lisbon"}))
            return stored, found, forgot, after

    stored, found, forgot, after = run(body())
    assert stored["summary"].startswith("stored")
    assert any("pilot" in h["text"] for h in found["results"])
    assert forgot["removed"][0]["lines"] == ["- job_title: pilot"]
    assert any("Lisbon" in h["text"] for h in after["results"])
    # Written by the daemon's writer: its journal holds both changes.
    from memd import api
    from memd.app import Memd

    with Memd(config) as app:
        ops = [e["op"] for e in api.call(app, "log", {"entity": "Tom"})["entries"]]
    assert "remove_fact" in ops


def _raw_session(env):
    proc = subprocess.Popen(MEMD + ["mcp"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)

    def send(message):
        proc.stdin.write(message if isinstance(message, bytes) else (json.dumps(message) + "\n").encode())
        proc.stdin.flush()

    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in iter(proc.stdout.readline, b"")], daemon=True).start()

    def receive():
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            raise AssertionError("memd mcp sent no reply within 60 s") from None
        return json.loads(line)

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
    assert receive()["result"]["serverInfo"]["name"] == "memd"
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    return proc, send, receive


def test_malformed_and_oversized_messages_over_stdio_are_refused_and_serving_goes_on(seeded):
    _, _, env = seeded
    proc, send, receive = _raw_session(env)
    try:
        send(b"this is not json\n")
        send(b"\xff\xfe\x00 binary junk\n")
        # Requests of the wrong shape, which the SDK alone would drop unanswered, get an error by id.
        send(b'{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": "not an object"}\n')
        assert receive() == {"jsonrpc": "2.0", "id": 2, "error": {
            "code": -32600, "message": "malformed request: params: Input should be an object"}}
        send(b'{"jsonrpc": "1.0", "id": "two", "method": "tools/list"}\n')
        reply = receive()
        assert reply["id"] == "two" and reply["error"]["message"].startswith("malformed request: jsonrpc")
        send(b'{"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"arguments": {}}}\n')
        assert receive()["error"]["code"] == -32602
        # A lone surrogate (bytes that were never UTF-8) in an argument.
        send(b'{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "memory_remember", '
             b'"arguments": {"text": "I live in \\udcff Porto"}}}\n')
        reply = receive()
        assert reply["id"] == 7 and "surrogate" in reply["error"]["message"]
        # 6 MiB in one line, over the 4 MiB message limit: skipped in bounded chunks, answered by id.
        huge = b'{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "memory_search", ' \
               b'"arguments": {"query": "' + b"a" * (6 * 1024 * 1024) + b'"}}}\n'
        send(huge)
        reply = receive()
        assert reply["id"] == 3 and "message too large" in reply["error"]["message"]
        # A nested "id" in an oversized message is not taken for the request's id.
        send(b'{"jsonrpc": "2.0", "method": "tools/call", "params": {"id": 99, "q": "' + b"b" * (5 * 1024 * 1024)
             + b'"}, "id": 4}\n')
        send({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
              "params": {"name": "memory_search", "arguments": {"query": "Lisbon"}}})
        reply = receive()
        assert reply["id"] == 5, reply  # nothing answered for 99 (or for 4, whose id came too late to see)
        assert any("Lisbon" in h["text"] for h in reply["result"]["structuredContent"]["results"])
    finally:
        proc.stdin.close()
        rc = proc.wait(20)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
    assert rc == 0, err
    assert "refused a message of" in err and "Traceback" not in err


def test_top_level_id_ignores_nested_ids():
    from memd.mcp.transport import top_level_id

    assert top_level_id(b'{"jsonrpc":"2.0","id":7,"method":"x"') == 7
    assert top_level_id(b'{"id": "a\\"b", "params": {}') == 'a"b'
    assert top_level_id(b'{"params":{"id":3,"x":"') is None
    assert top_level_id(b'{"method":"x","params":{"s":"}\\"{"},"id":8') == 8
    assert top_level_id(b'{"id": true}') is None and top_level_id(b"garbage") is None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_memd_mcp_over_streamable_http_on_loopback(seeded):
    _, cfg_path, env = seeded
    port = _free_port()
    log = cfg_path.parent / "http.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(MEMD + ["mcp", "--http", "--port", str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)

        async def body():
            async with Client(f"http://127.0.0.1:{port}/mcp") as c:
                tools = [t.name for t in (await c.list_tools()).tools]
                found = data(await c.call_tool("memory_search", {"query": "Lisbon"}))
                return tools, found

        tools, found = run(body())
        assert tuple(tools) == TOOL_NAMES and found["results"]
        # DNS rebinding (a web page reaching the loopback port by a hostname of its own) is refused,
        # and so is a body over the message limit.
        import httpx

        url, accept = f"http://127.0.0.1:{port}/mcp", {"Accept": "application/json, text/event-stream"}
        hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        assert httpx.post(url, json=hello, headers={**accept, "Host": "evil.example"}).status_code == 421
        assert httpx.post(url, json=hello, headers={**accept, "Origin": "http://evil.example"}).status_code == 403
        assert httpx.post(url, content=b"x" * (5 * 1024 * 1024), headers=accept).status_code == 413
        # Loopback only: the port is not open on the machine's other addresses.
        others = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
        for address in others:
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=0.5).close()
    finally:
        proc.terminate()
        proc.wait(15)
    assert "127.0.0.1" in log.read_text()


def test_memd_mcp_without_a_config_says_so_in_one_line(tmp_path):
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "missing.toml"))
    r = subprocess.run(MEMD + ["mcp"], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "no config at" in r.stderr


def test_in_process_the_server_sees_notes_written_after_it_started(backend, seeded, monkeypatch):
    from memd.mcp import backend as backend_module

    config = seeded[0]

    async def search(c, words):
        return data(await c.call_tool("memory_search", {"query": words}))["results"]

    async def body(c):
        before = await search(c, "gazpacho recipe")
        (config.vault / "Recipes.md").write_text("# Recipes\nMy gazpacho recipe uses cucumbers.\n", encoding="utf-8")
        monkeypatch.setattr(backend_module, "RESCAN_SECONDS", 0.0)  # no watcher in process: the next read scans
        return before, await search(c, "gazpacho recipe")

    before, after = run(with_client(backend, body))
    assert before == [] and after[0]["path"] == "Recipes.md"


def test_a_daemon_that_starts_later_takes_over_from_the_in_process_work(seeded, start_daemon):
    from memd.mcp.backend import Backend

    config, _, env = seeded
    b = Backend(config=config)
    try:
        assert b.call("get_entity", name="Anna")["name"] == "Anna" and b.mode == "in-process"
        d = start_daemon()
        try:
            assert b.call("get_entity", name="Anna")["name"] == "Anna" and b.mode == "daemon"
            assert b._app is None  # nothing of the vault stays open here beside the daemon
        finally:
            d.stop()
        assert b.call("search", query="Lisbon")["results"] and b.mode == "in-process"
    finally:
        b.close()


def test_ask_with_a_filter_needs_a_model_and_says_so(backend):
    async def body(c):
        return await c.call_tool("memory_ask", {"question": "Where do I live?", "filter": "no places"})

    result = run(with_client(backend, body))
    assert result.is_error and "filter and hide need a model" in result.content[0].text


def test_http_on_a_port_in_use_is_one_clear_line(seeded):
    _, _, env = seeded
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(MEMD + ["mcp", "--http", "--port", str(port)], env=env, capture_output=True, text=True,
                           timeout=60)
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and f"cannot serve on 127.0.0.1:{port}" in r.stderr and "choose another" in r.stderr
