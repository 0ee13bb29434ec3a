"""Hostile requests against a real `memd run` daemon on its real socket: every line is answered
with the JSON-RPC error it deserves, the connection then keeps serving, hostile imports started
over the socket are refused by the same limits as the CLI's, and the daemon's peak memory stays
bounded through all of it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "importers"))
from hostile_inputs import deep_zip, huge_string_zip  # noqa: E402

MEMD = [sys.executable, "-P", "-m", "memd"]
PEAK_CEILING_KB = 150 * 1024  # the issue saw 705 MB after one 1 MiB search
MIB = 1 << 20


def rpc(method: str, params=None, id=1) -> bytes:
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode()


class Line:
    """One connection to the daemon, newline-delimited JSON, for requests no client would send."""

    def __init__(self, path: Path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(os.fspath(path))
        self.pending = b""

    def ask(self, raw: bytes) -> dict:
        self.sock.sendall(raw if raw.endswith(b"\n") else raw + b"\n")
        while b"\n" not in self.pending:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError(f"closed before answering; had {self.pending[:200]!r}")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        self.sock.close()


def _peak_kb(pid: int, field: str = "VmHWM") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    if not Path("/proc/self/status").exists():
        pytest.skip("peak RSS is read from /proc (Linux)")
    root = tmp_path_factory.mktemp("hostile-daemon")
    short = Path(tempfile.mkdtemp(prefix="memdh-", dir="/tmp"))  # unix socket paths stay < 100 bytes
    vault, home = root / "vault", root / "home"
    vault.mkdir()
    home.mkdir()
    (vault / "Notes.md").write_text("# Notes\nLisbon is where the trip went.\n")
    cfg = root / "config.toml"
    cfg.write_text(f'vault = "{vault}"\nstate_dir = "{root / "state"}"\n\n[writer]\nsettle_seconds = 0.0\nfsync = false\n'
                   f'\n[daemon]\nsocket_path = "{short / "s.sock"}"\n')
    env = dict(os.environ, MEMD_CONFIG=str(cfg), HOME=str(home), XDG_STATE_HOME=str(home / "state"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_RUNTIME_DIR=str(short))
    log = open(root / "daemon.log", "wb")
    proc = subprocess.Popen(MEMD + ["run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    sock = short / "s.sock"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, (root / "daemon.log").read_text()
        try:
            probe = Line(sock)
            probe.ask(rpc("rpc.ping"))
            probe.close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the daemon's socket never answered"
            time.sleep(0.1)
    yield {"proc": proc, "sock": sock, "root": root, "vault": vault}
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(short, ignore_errors=True)


def _deep(n: int) -> str:
    return "[" * n + "]" * n


BIG_QUERY = "lisbon " * ((MIB - 200) // 7)  # a search just under the 1 MiB request cap
CASES = [
    # (id, raw request line, expected error code or None for a result, piece of the message)
    ("deep-100k-open", b"[" * 100_000, -32600, "nested more than 256 levels"),
    ("deep-100k-balanced", _deep(100_000).encode(), -32600, "nested more than 256 levels"),
    ("deep-in-params", rpc("search", {"query": json.loads(_deep(300))}), -32600, "nested more than 256 levels"),
    ("deep-objects", b'{"a":' * 100_000, -32600, "nested more than 256 levels"),
    ("deep-below-limit-wrong-type", rpc("search", {"query": json.loads(_deep(200))}), -32602, "query must be str"),
    ("search-1mib", rpc("search", {"query": BIG_QUERY}), -32602, "max_query_chars"),
    ("ask-1mib", rpc("ask", {"question": BIG_QUERY}), -32602, "max_query_chars"),
    ("context-1mib", rpc("context", {"query": BIG_QUERY}), -32602, "max_query_chars"),
    ("search-too-many-words", rpc("search", {"query": "a " * 1500}), -32602, "more than 1000 words"),
    ("params-null", rpc("search") .replace(b"}", b',"params":null}'), -32602, "not null"),
    ("query-null", rpc("search", {"query": None}), -32602, "query must be str, not null"),
    ("limit-null", rpc("search", {"query": "lisbon", "limit": None}), -32602, "limit must be int, not null"),
    ("name-null", rpc("get_entity", {"name": None}), -32602, "name must be str, not null"),
    ("huge-integer", rpc("search", {"query": "x"}).replace(b'"x"', b'"x", "limit": ' + b"7" * 100_000), -32600,
     "number longer than 400"),
    ("huge-exponent", rpc("search", {"query": "x"}).replace(b'"x"', b'"x", "limit": 1e999999'), -32602, "limit must be int"),
    ("invalid-utf8", rpc("search", {"query": "x"}).replace(b'"x"', b'"\xff\xfe"'), -32700, "parse error"),
    ("nul-outside-strings", b'{"jsonrpc": "2.0",\x00 "id": 1, "method": "rpc.ping"}', -32700, "parse error"),
    ("truncated", rpc("search", {"query": "lisbon"})[:-9], -32700, "parse error"),
    ("lone-surrogate", rpc("search", {"query": "\ud800"}), -32602, "not valid UTF-8"),
    ("batch-too-big", json.dumps([json.loads(rpc("rpc.ping", id=i)) for i in range(1000)]).encode(), -32600, "at most 64"),
    ("batch-with-deep-call", b"[" + rpc("rpc.ping") + b"," + _deep(5000).encode() + b"]", -32600, "nested more than 256"),
    ("not-an-object", b'"search"', -32600, "not an object"),
    ("nul-escaped-in-query", rpc("search", {"query": "lis\u0000bon"}), None, ""),
    ("long-method-name", rpc("x" * 500_000), -32601, "method not found"),
]


@pytest.mark.parametrize("raw, code, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_hostile_line_is_answered_and_the_connection_keeps_serving(daemon, raw, code, message):
    conn = Line(daemon["sock"])
    try:
        reply = conn.ask(raw)
        if code is None:
            assert "result" in reply, reply
        else:
            assert reply["error"]["code"] == code, reply
            assert message in reply["error"]["message"], reply
            assert "\n" not in reply["error"]["message"]
        assert conn.ask(rpc("rpc.ping", id=2))["result"]["pid"] == daemon["proc"].pid
        assert conn.ask(rpc("search", {"query": "lisbon"}, id=3))["id"] == 3
    finally:
        conn.close()


def test_an_oversized_request_is_refused_and_the_daemon_serves_the_next_client(daemon):
    conn = Line(daemon["sock"])
    try:
        reply = conn.ask(rpc("search", {"query": "x" * (2 * MIB)}))
        assert reply["error"]["code"] == -32600 and "request too large" in reply["error"]["message"]
    finally:
        conn.close()
    again = Line(daemon["sock"])
    try:
        assert again.ask(rpc("rpc.ping"))["result"]["pid"] == daemon["proc"].pid
    finally:
        again.close()


def _import_over_socket(daemon, path: Path) -> dict:
    conn = Line(daemon["sock"])
    try:
        before = conn.ask(rpc("import.status", {}))["result"].get("run") or {}
        started = conn.ask(rpc("import.start", {"path": str(path), "format": "chatgpt"}, id=2))
        assert started.get("result", {}).get("started") is True, started
        deadline = time.monotonic() + 60
        while True:
            run = conn.ask(rpc("import.status", {}, id=3))["result"].get("run") or {}
            if run.get("id") != before.get("id") and run.get("status") not in (None, "running"):
                return run
            assert time.monotonic() < deadline, run
            time.sleep(0.1)
    finally:
        conn.close()


@pytest.mark.parametrize("build, limit", [
    (lambda d: deep_zip(d / "deep.zip", "conversations.json"), "max_json_depth"),
    (lambda d: huge_string_zip(d / "huge.zip", "conversations.json", b'[{"title": "t", "mapping": {}, "x": ', b"}]"),
     "max_string_mb"),
], ids=["deep-zip", "one-gib-string-zip"])
def test_hostile_imports_over_the_socket_fail_on_the_same_limits(daemon, build, limit):
    before = sorted(p.relative_to(daemon["vault"]).as_posix() for p in daemon["vault"].rglob("*"))
    run = _import_over_socket(daemon, build(daemon["root"]))
    assert run["status"] == "failed" and limit in run["error"], run
    assert sorted(p.relative_to(daemon["vault"]).as_posix() for p in daemon["vault"].rglob("*")) == before
    assert Line(daemon["sock"]).ask(rpc("rpc.ping"))["result"]["pid"] == daemon["proc"].pid


def test_a_client_pipelining_big_requests_is_held_back_not_buffered(daemon):
    # 40 requests of ~1 MiB written without reading a reply: the daemon stops reading this client
    # (back-pressure) instead of queueing 40 MiB, and still answers every one of them in order.
    conn = Line(daemon["sock"])
    line = rpc("search", {"query": "q" * (MIB - 200)}) + b"\n"
    sender_error: list[BaseException] = []

    def send() -> None:
        try:
            for _ in range(40):
                conn.sock.sendall(line)
        except BaseException as exc:  # noqa: BLE001 - reported below
            sender_error.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        rss = []
        for n in range(40):
            while b"\n" not in conn.pending:
                conn.pending += conn.sock.recv(1 << 16)
            reply, conn.pending = conn.pending.split(b"\n", 1)
            assert json.loads(reply)["error"]["code"] == -32602
            if n % 10 == 0:
                rss.append(_peak_kb(daemon["proc"].pid, "VmRSS"))
        sender.join(30)
        assert not sender_error
        assert max(rss) < PEAK_CEILING_KB, rss
    finally:
        conn.close()


def test_the_daemons_peak_memory_stayed_bounded(daemon):
    # Runs last in this module (pytest keeps file order): every hostile request above has been served.
    peak = _peak_kb(daemon["proc"].pid)
    assert peak < PEAK_CEILING_KB, f"daemon peak RSS {peak // 1024} MB"
    assert daemon["proc"].poll() is None
