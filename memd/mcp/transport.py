"""How `memd mcp` is served: stdio (what desktop clients start) or streamable HTTP on loopback.

The SDK's stdio transport reads each message as one whole line, however long: a client (or a
stray process) writing a line of gigabytes would grow the server without bound. Here stdin is
read in lines of at most MAX_MESSAGE_BYTES; a longer line is skipped in bounded chunks. And the
SDK drops a request it cannot validate without a word, leaving the client waiting. So a refused
message that names a request id (an oversized one, or a request of the wrong shape) is replaced
by a stand-in request that the server answers with an error for that id: the client hears why,
and the server keeps serving.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, BinaryIO

import anyio
import anyio.to_thread

log = logging.getLogger("memd.mcp")

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
REFUSED_METHOD = "memd/refused"  # the stand-in for a message refused here, answered with an error
LOOPBACK = "127.0.0.1"


def top_level_id(head: bytes) -> Any:
    """The "id" member of the JSON object that `head` starts, if it appears in `head` at the top
    level (a nested "id" in the params must not be mistaken for it); None when not found."""
    text = head.decode("utf-8", "replace")
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                j += 1
            if j >= n:
                return None
            key = text[i + 1: j]
            i = j + 1
            if depth == 1 and key == "id":
                rest = text[i:].lstrip()
                if rest.startswith(":"):
                    try:
                        value, _ = json.JSONDecoder().raw_decode(rest[1:].lstrip())
                    except ValueError:
                        return None
                    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None
            continue
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        i += 1
    return None


class BoundedLines:
    """An async iterator of stdin's lines (str), each at most `limit` bytes; what the SDK's
    stdio_server reads from when handed as its `stdin`."""

    def __init__(self, raw: BinaryIO, limit: int = MAX_MESSAGE_BYTES):
        self._raw = raw
        self._limit = limit

    def __aiter__(self) -> BoundedLines:
        return self

    async def __anext__(self) -> str:
        line = await anyio.to_thread.run_sync(self._next_line, abandon_on_cancel=True)
        if line is None:
            raise StopAsyncIteration
        return line

    def _next_line(self) -> str | None:
        data = self._raw.readline(self._limit + 1)
        if not data:
            return None
        if len(data) <= self._limit or data.endswith(b"\n"):
            return self._checked(data.decode("utf-8", "replace"))
        head, total = data[:4096], len(data)
        while True:  # skip the rest of the line without holding it
            chunk = self._raw.readline(1 << 20)
            total += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                break
        request_id = top_level_id(head)
        log.warning("memd mcp: refused a message of %d bytes (limit %d)", total, self._limit)
        if request_id is None:
            return "\n"  # nobody to answer; the SDK drops the line
        return refusal(request_id, f"message too large: {total} bytes; memd mcp takes at most {self._limit}")

    @staticmethod
    def _checked(line: str) -> str:
        """The line as it is, or a stand-in when it is a request the SDK would drop unanswered."""
        from mcp_types import jsonrpc_message_adapter

        if not line.strip():
            return line
        try:
            jsonrpc_message_adapter.validate_json(line, by_name=False)
            return line
        except ValueError as exc:
            try:
                message = json.loads(line)
            except ValueError:
                return line  # not JSON at all: no id to answer
            if not (isinstance(message, dict) and "method" in message):
                return line
            request_id = message.get("id")
            if isinstance(request_id, bool) or not isinstance(request_id, (int, str)):
                return line  # a notification, or no usable id: nothing to answer
            first = exc.errors()[0] if hasattr(exc, "errors") and exc.errors() else {}
            where = ".".join(str(p) for p in first.get("loc", ()) if not str(p).startswith("JSONRPC"))
            return refusal(request_id, f"malformed request: {where or 'message'}: {first.get('msg', 'invalid')}"[:500])


def refusal(request_id: Any, reason: str) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": REFUSED_METHOD, "params": {"reason": reason}}) + "\n"


def install_refusal_handler(srv: Any) -> None:
    """Answer the stand-in request BoundedLines puts in place of a refused message."""
    from mcp.shared.exceptions import MCPError
    from mcp_types import INVALID_REQUEST, RequestParams

    class Refused(RequestParams):
        reason: str = "refused"

    async def refuse(ctx: Any, params: Refused) -> Any:
        raise MCPError(code=INVALID_REQUEST, message=params.reason)

    srv._lowlevel_server.add_request_handler(REFUSED_METHOD, Refused, refuse)


def serve_stdio(srv: Any) -> None:
    """Serve over stdin/stdout. fd 0 is taken over here (the SDK diverts fd 1 itself), so that
    nothing memd runs can read the client's messages."""
    from mcp.server.stdio import stdio_server

    install_refusal_handler(srv)
    wire_fd = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    raw = os.fdopen(wire_fd, "rb", buffering=64 * 1024)
    lowlevel = srv._lowlevel_server

    async def main() -> None:
        async with stdio_server(stdin=BoundedLines(raw)) as (read_stream, write_stream):  # type: ignore[arg-type]
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())

    try:
        anyio.run(main)
    finally:
        os.dup2(wire_fd, 0)
        raw.close()


def serve_http(srv: Any, port: int) -> None:
    """Streamable HTTP on loopback only (the SDK adds DNS-rebinding protection for it)."""
    import socket

    from memd.errors import ConfigError

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:  # one clear line, not uvicorn's
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError as exc:
            raise ConfigError(f"cannot serve on {LOOPBACK}:{port}: {exc.strerror or exc}",
                              hint="choose another --port") from None
    print(f"memd mcp: serving streamable HTTP on http://{LOOPBACK}:{port}/mcp", file=sys.stderr, flush=True)
    srv.run("streamable-http", host=LOOPBACK, port=port, max_request_body_size=MAX_MESSAGE_BYTES)
