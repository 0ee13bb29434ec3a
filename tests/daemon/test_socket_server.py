"""The daemon socket on a real unix socket: protocol, limits, isolation between clients."""

from __future__ import annotations

import json
import os
import select
import socket
import stat
import threading

import pytest

from memd.daemon import rpc
from memd.daemon.client import RpcError, connect
from memd.daemon.lock import InstanceLock
from memd.daemon.socket_server import Limits, SocketServer
from memd.errors import DaemonError, NotFoundError


class Raw:
    """A bare socket speaking newline-delimited JSON, for what the Client would never send."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(os.fspath(path))
        self.buffer = b""

    def send(self, data: bytes | str | dict | list):
        if isinstance(data, (dict, list)):
            data = json.dumps(data) + "\n"
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buffer)
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def at_eof(self) -> bool:
        """True once the server closed its side (after any buffered lines)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buffer += chunk
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


def request(method, params=None, id=1):
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def test_call_and_modes(serve, vault_paths):
    serve()
    assert stat.S_IMODE(os.stat(vault_paths.socket.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(vault_paths.socket).st_mode) == 0o600
    with connect(vault_paths.socket) as client:
        assert client.call("add", a=2, b=3) == 5
        assert client.request("add", [4, 5]) == 9
        assert client.call("echo", text="héllo ✓") == {"text": "héllo ✓"}
        assert client.ping()["pid"] == os.getpid()
        assert "echo" in client.call("rpc.methods")


def test_parse_error_keeps_the_connection(serve, vault_paths):
    serve()
    raw = Raw(vault_paths.socket)
    raw.send('{"jsonrpc": "2.0", "method": \n')
    reply = raw.line()
    assert reply["error"]["code"] == rpc.PARSE_ERROR and reply["id"] is None
    raw.send(b"\xff\xfe not utf-8\n")
    assert raw.line()["error"]["code"] == rpc.PARSE_ERROR
    raw.send(request("add", {"a": 1, "b": 1}, id="after"))
    assert raw.line() == {"jsonrpc": "2.0", "id": "after", "result": 2}


@pytest.mark.parametrize(
    "payload",
    [
        1,
        "text",
        [],
        {"method": "echo", "id": 1},
        {"jsonrpc": "1.0", "method": "echo", "id": 1},
        {"jsonrpc": "2.0", "method": 5, "id": 1},
        {"jsonrpc": "2.0", "method": "echo", "params": "x", "id": 1},
        {"jsonrpc": "2.0", "method": "echo", "id": {"no": 1}},
    ],
)
def test_invalid_requests(serve, vault_paths, payload):
    serve()
    raw = Raw(vault_paths.socket)
    raw.send(json.dumps(payload) + "\n")
    assert raw.line()["error"]["code"] == rpc.INVALID_REQUEST


def test_method_not_found_and_invalid_params(serve, vault_paths):
    serve()
    raw = Raw(vault_paths.socket)
    raw.send(request("nope"))
    assert raw.line()["error"]["code"] == rpc.METHOD_NOT_FOUND
    raw.send(request("add", {"a": 1}))
    reply = raw.line()
    assert reply["error"]["code"] == rpc.INVALID_PARAMS and "b" in reply["error"]["message"]
    raw.send(request("add", {"a": 1, "b": 2, "c": 3}))
    assert raw.line()["error"]["code"] == rpc.INVALID_PARAMS
    raw.send(request("positive", {"value": -1}))
    reply = raw.line()
    assert reply["error"]["code"] == rpc.INVALID_PARAMS and "non-negative" in reply["error"]["message"]


def test_batches_and_notifications(serve, vault_paths):
    serve()
    raw = Raw(vault_paths.socket)
    raw.send(
        [
            request("add", {"a": 1, "b": 2}, id=1),
            {"jsonrpc": "2.0", "method": "note", "params": {"text": "batched"}},
            request("nope", id=2),
            5,
        ]
    )
    replies = raw.line()
    assert isinstance(replies, list) and len(replies) == 3
    by_id = {reply["id"]: reply for reply in replies if reply["id"] is not None}
    assert by_id[1]["result"] == 3
    assert by_id[2]["error"]["code"] == rpc.METHOD_NOT_FOUND
    assert [r["error"]["code"] for r in replies if r["id"] is None] == [rpc.INVALID_REQUEST]
    # A batch of notifications owes nothing: the next reply on the wire is for the next request.
    raw.send([{"jsonrpc": "2.0", "method": "note", "params": {"text": "quiet"}}, {"jsonrpc": "2.0", "method": "nope"}])
    raw.send(request("notes", id="n"))
    reply = raw.line()
    assert reply["id"] == "n" and reply["result"] == ["batched", "quiet"]


def test_application_and_internal_errors(serve, vault_paths):
    serve()
    raw = Raw(vault_paths.socket)
    raw.send(request("missing", {"name": "jane"}))
    error = raw.line()["error"]
    assert error["code"] == rpc.APP_ERROR_CODES["NotFoundError"]
    assert error["message"] == "no entity named jane"
    assert error["data"] == {"type": "NotFoundError", "hint": "check the spelling"}
    raw.send(request("crash"))
    error = raw.line()["error"]
    assert error["code"] == rpc.INTERNAL_ERROR and error["data"]["type"] == "KeyError"
    raw.send(request("not_json"))
    assert raw.line()["error"]["code"] == rpc.INTERNAL_ERROR

    with connect(vault_paths.socket) as client:
        with pytest.raises(NotFoundError) as caught:
            client.call("missing", name="jane")
        assert caught.value.hint == "check the spelling"
        with pytest.raises(RpcError) as caught:
            client.call("nope")
        assert caught.value.code == rpc.METHOD_NOT_FOUND


def test_oversized_request_is_refused_then_closed(serve, vault_paths):
    serve()  # the default limit: 1 MiB
    with connect(vault_paths.socket) as client:
        just_under = "x" * (1024 * 1024 - 1024)
        assert client.call("echo", blob=just_under) == {"blob": just_under}
        with pytest.raises(DaemonError, match="too large"):
            client.call("echo", blob="x" * (1024 * 1024))  # refused before sending
    raw = Raw(vault_paths.socket)
    body = json.dumps(request("echo", {"blob": "x" * (1024 * 1024)})) + "\n"
    try:
        raw.send(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may stop reading before the client is done; its answer is still there
    reply = raw.line()
    assert reply["error"]["code"] == rpc.INVALID_REQUEST and "too large" in reply["error"]["message"]
    assert raw.at_eof()

    # Also without a newline at all: the limit applies to the buffered partial line.
    raw = Raw(vault_paths.socket)
    try:
        raw.send(b"[" * (1024 * 1024 + 10))
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert "too large" in raw.line()["error"]["message"]
    assert raw.at_eof()

    with connect(vault_paths.socket) as client:
        assert client.call("add", a=1, b=1) == 2  # the server itself is fine


def test_two_hundred_concurrent_clients(serve, vault_paths):
    serve()
    barrier = threading.Barrier(200)
    results: dict[int, list] = {}
    failures: list[BaseException] = []

    def worker(n):
        try:
            with connect(vault_paths.socket, timeout=60) as client:
                barrier.wait(30)
                results[n] = [client.call("add", a=n, b=i) for i in range(5)] + [client.call("nap", seconds=0.01)]
        except BaseException as exc:  # collected and re-raised in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures[:3]
    assert results == {n: [n, n + 1, n + 2, n + 3, n + 4, 0.01] for n in range(200)}


def _flood(path, count=40, size=256 * 1024):
    """A client that asks for far more reply bytes than kernel and write buffer hold, never reading."""
    hog = Raw(path)
    for i in range(count):
        hog.send(request("big", {"size": size}, id=i))
    return hog


def test_a_client_that_never_reads_does_not_block_others(serve, vault_paths):
    # The hog is not dropped during this test (write_timeout 60 s), so every answer below
    # arrives while it is stuck; a blocked loop would make these 5-second calls time out.
    serve(limits=Limits(write_high_water=64 * 1024, write_timeout=60.0))
    hog = _flood(vault_paths.socket)
    with connect(vault_paths.socket, timeout=5) as client:
        client.call("big", size=1)  # the hog's requests were read before this one
    for _ in range(20):
        with connect(vault_paths.socket, timeout=5) as client:
            assert client.call("add", a=1, b=2) == 3
    hog.close()


@pytest.mark.skipif(not hasattr(select, "POLLRDHUP"), reason="needs POLLRDHUP (Linux)")
def test_a_client_that_never_reads_is_dropped(serve, vault_paths):
    server = serve(limits=Limits(write_high_water=64 * 1024, write_timeout=0.5))
    hog = _flood(vault_paths.socket)
    # Wait for the server to hang up without reading: reading would let the server write again.
    poller = select.poll()
    poller.register(hog.sock, select.POLLRDHUP)
    assert poller.poll(30_000), "the server never dropped the client that does not read"
    assert server.server.connection_count == 0
    assert hog.at_eof()
    with connect(vault_paths.socket) as client:
        assert client.call("add", a=2, b=2) == 4


def test_slow_method_does_not_block_the_loop(serve, vault_paths):
    serve()
    release_order: list[str] = []
    slow_started = threading.Event()

    def slow_call():
        with connect(vault_paths.socket) as client:
            slow_started.set()
            client.call("block", seconds=1.5)
            release_order.append("slow")

    thread = threading.Thread(target=slow_call)
    thread.start()
    slow_started.wait(10)
    with connect(vault_paths.socket) as client:
        client.call("echo")  # round trip so the slow request is surely in flight
        assert client.call("add", a=1, b=1) == 2
        release_order.append("fast")
    thread.join(30)
    assert release_order == ["fast", "slow"]


def test_idle_and_read_timeouts_close_connections(serve, vault_paths):
    serve(limits=Limits(idle_timeout=0.3, read_timeout=0.3))
    idle = Raw(vault_paths.socket)
    assert idle.at_eof()
    trickle = Raw(vault_paths.socket)
    trickle.send(b'{"jsonrpc": "2.0", ')  # never finishes the line
    assert trickle.at_eof()


def test_final_request_without_newline_is_answered(serve, vault_paths):
    serve()
    raw = Raw(vault_paths.socket)
    raw.send(json.dumps(request("add", {"a": 20, "b": 22})))
    raw.sock.shutdown(socket.SHUT_WR)
    assert raw.line()["result"] == 42
    assert raw.at_eof()


def test_binding_needs_the_lock_and_a_socket_path(vault_paths):
    server = SocketServer(vault_paths.socket, {}, lock=InstanceLock(vault_paths.lock))
    import asyncio

    with pytest.raises(RuntimeError, match="lock"):
        asyncio.run(server.start())
    vault_paths.socket.parent.mkdir(mode=0o700, parents=True)
    vault_paths.socket.write_text("not a socket")
    with InstanceLock(vault_paths.lock) as lock:
        with pytest.raises(DaemonError, match="not a socket"):
            asyncio.run(SocketServer(vault_paths.socket, {}, lock=lock).start())
    assert vault_paths.socket.read_text() == "not a socket"  # never deleted
    with pytest.raises(ValueError, match="reserved"):
        SocketServer(vault_paths.socket, {"rpc.x": print}, lock=InstanceLock(vault_paths.lock))


def test_socket_removed_on_close(serve, vault_paths):
    server = serve()
    assert vault_paths.socket.exists()
    server.stop()
    assert not vault_paths.socket.exists()
    assert connect(vault_paths.socket) is None


def test_memory_is_given_back_once_requests_stop(serve, vault_paths, monkeypatch):
    """After a burst of requests and TRIM_AFTER_IDLE_S without one, the server returns freed
    heap to the system once (not again until more requests come)."""
    import time

    from memd.daemon import socket_server

    trims = []
    monkeypatch.setattr(socket_server, "TRIM_AFTER_IDLE_S", 0.2)
    monkeypatch.setattr(socket_server, "_trim_heap", lambda: trims.append(time.monotonic()))
    serve(limits=Limits(idle_timeout=0.4, read_timeout=0.4))
    time.sleep(0.6)
    assert trims == []  # nothing served yet: nothing to give back
    with connect(vault_paths.socket) as client:
        for i in range(20):
            assert client.call("add", a=i, b=1) == i + 1
        last = time.monotonic()
    deadline = time.monotonic() + 10
    while not trims and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(trims) == 1 and trims[0] - last >= 0.2
    time.sleep(0.6)
    assert len(trims) == 1
