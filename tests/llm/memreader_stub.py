"""A MemReader-like OpenAI-compatible server on 127.0.0.1, for tests and bench/model_bench.py.

It stands in for the model only: a real HTTP server (ThreadingHTTPServer) that reads each
/v1/chat/completions request as vLLM would receive it and answers, after `latency_s`, with a
vLLM-shaped tool call (the shape of recordings/vllm_hermes_reasoning.json) chosen from the new
turn's text by a few fixed phrases, the way MemReader-4B answers them:

    "I live in X" / "I moved to X"      -> add_memory living_location = X
    "I work at X" / "I joined X"        -> add_memory employer = X
    "my sister/brother/partner is N"    -> add_memory relation N (entity N)
    "as I told you" / "remember"        -> search_memory first, then ignore_memory
    ends with "..."                     -> buffer_memory
    anything else                       -> ignore_memory

Usage is reported like vLLM with prefix caching on: prompt tokens are counted as characters/4
of the rendered request (system, tools, messages), and `cached_tokens` as the part of it whose
64-character blocks (block hashes chained from the start, as vLLM's prefix cache does) were seen
in an earlier request.

Faults, for the bad-input tests: `rate_limit_every` (every Nth request answered 429 with
Retry-After), and `faults`, a list of (predicate on the new turn's text, fault) where the fault
is "malformed" (tool arguments not JSON), "truncated" (body cut half-way), "html" (an HTML error
page with status 200), "500" (an error status) or "hang" (no answer for `hang_s`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter, OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

_NEW = re.compile(r"^\[[^\]]+\] \([^)]*\bnew\)\: (.*)$", re.M)
_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"\bI (?:live|am living) in ([A-Z][\w-]+)"), "living_location", "UserMemory"),
    (re.compile(r"\bI moved to ([A-Z][\w-]+)"), "living_location", "UserMemory"),
    (re.compile(r"\bI (?:work|am working) (?:at|for) ([A-Z][\w-]+)"), "employer", "UserMemory"),
    (re.compile(r"\bI joined ([A-Z][\w-]+)"), "employer", "UserMemory"),
]
_RELATION = re.compile(r"\bmy (sister|brother|partner|friend) is ([A-Z][a-z]+)")
BLOCK_CHARS = 64


def decide(new_text: str, *, searched: bool, tools: list[str]) -> tuple[str, dict[str, Any]]:
    """The tool call this stub answers for a new turn (deterministic)."""
    items = []
    for pattern, key, mtype in _RULES:
        m = pattern.search(new_text)
        if m:
            items.append({"key": key, "memory_type": mtype, "value": m.group(1), "tags": ["personal"]})
    m = _RELATION.search(new_text)
    if m:
        items.append({"key": "relationship", "memory_type": "UserMemory", "value": m.group(1), "tags": ["family"],
                      "entity": m.group(2), "relation": m.group(1)})
    if items and "add_memory" in tools:
        return "add_memory", {"memory_list": items, "summary": "facts the user stated"}
    if ("as I told you" in new_text or "remember" in new_text.lower()) and not searched and "search_memory" in tools:
        return "search_memory", {"query": new_text[:60]}
    if new_text.rstrip().endswith("...") and "buffer_memory" in tools:
        return "buffer_memory", {"reason": "the statement is not finished"}
    return "ignore_memory", {"reason": "no durable personal fact"}


def rendered_prompt(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
    """The prompt as a Qwen/Hermes chat template lays it out: the system message first, the tools
    after it (inside the system turn), then the other messages. What comes first is what a
    prefix cache can share."""
    system = messages[0]["content"] if messages and messages[0].get("role") == "system" else ""
    rest = messages[1:] if system else messages
    return (f"<|im_start|>system\n{system}\n# Tools\n{json.dumps(tools, sort_keys=True)}<|im_end|>\n"
            + "".join(f"<|im_start|>{m.get('role')}\n{json.dumps(m, ensure_ascii=False, sort_keys=True)}<|im_end|>\n"
                      for m in rest))


class PrefixCache:
    """Which prompt blocks a server with prefix caching would have kept (LRU, bounded)."""

    def __init__(self, blocks: int = 200_000):
        self.blocks: OrderedDict[bytes, None] = OrderedDict()
        self.max = blocks
        self.lock = threading.Lock()

    def cached_chars(self, text: str) -> int:
        h = hashlib.sha1()
        hit, reuse = 0, True
        with self.lock:
            for start in range(0, len(text) - BLOCK_CHARS + 1, BLOCK_CHARS):
                h.update(text[start:start + BLOCK_CHARS].encode())
                key = h.digest()
                if reuse and key in self.blocks:
                    hit += BLOCK_CHARS
                    self.blocks.move_to_end(key)
                else:
                    reuse = False
                    self.blocks[key] = None
                    if len(self.blocks) > self.max:
                        self.blocks.popitem(last=False)
        return hit


class MemReaderStub:
    def __init__(self, *, latency_s: float = 0.0, rate_limit_every: int = 0, retry_after_s: float = 0.05,
                 faults: list[tuple[Callable[[str], bool], str]] | None = None, hang_s: float = 5.0,
                 model: str = "MemReader-4B-thinking", owned_by: str = "vllm"):
        self.latency_s = latency_s
        self.rate_limit_every = rate_limit_every
        self.retry_after_s = retry_after_s
        self.faults = list(faults or [])
        self.hang_s = hang_s
        self.model = model
        self.owned_by = owned_by
        self.cache = PrefixCache()
        self.counts: Counter = Counter()
        self.new_turns: list[str] = []  # the new turn of every chat request, in arrival order
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with stub._lock:
                    stub._in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub._in_flight)
                try:
                    status, body, headers = stub.answer(raw)
                finally:
                    with stub._lock:
                        stub._in_flight -= 1
                self._send(status, body, headers)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/").endswith("/stats"):  # what it served, for the benchmark
                    with stub._lock:
                        stats = {**stub.counts, "max_in_flight": stub.max_in_flight}
                    self._send(200, json.dumps(stats).encode(), {})
                    return
                body = json.dumps({"object": "list", "data": [{"id": stub.model, "object": "model",
                                                              "owned_by": stub.owned_by}]}).encode()
                self._send(200, body, {})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a timeout)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    # -- one request --------------------------------------------------------------------------
    def answer(self, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            self.counts["requests"] += 1
            number = self.counts["requests"]
        if self.rate_limit_every and number % self.rate_limit_every == 0:
            self.counts["429"] += 1
            return 429, b'{"error": {"message": "rate limited"}}', {"Retry-After": f"{self.retry_after_s:g}"}
        try:
            body = json.loads(raw)
            messages = body["messages"]
            tools = [t["function"]["name"] for t in body.get("tools") or []]
        except (ValueError, KeyError, TypeError):
            return 400, b'{"error": {"message": "bad request"}}', {}
        user = next((m["content"] for m in messages if m.get("role") == "user"), "")
        found = _NEW.findall(user)
        new_text = found[-1] if found else ""
        with self._lock:
            self.new_turns.append(new_text)
        for predicate, fault in self.faults:
            if predicate(new_text):
                self.counts[f"fault {fault}"] += 1
                if fault == "hang":
                    time.sleep(self.hang_s)
                    return 504, b'{"error": "timeout"}', {}
                if fault == "500":
                    return 500, b'{"error": {"message": "internal error"}}', {}
                if fault == "html":
                    return 200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"}
        if self.latency_s:
            time.sleep(self.latency_s)
        searched = any(m.get("role") == "tool" for m in messages)
        name, arguments = decide(new_text, searched=searched, tools=tools)
        prompt_text = rendered_prompt(messages, body.get("tools") or [])
        prompt_tokens = max(1, len(prompt_text) // 4)
        cached_tokens = self.cache.cached_chars(prompt_text) // 4
        args_text = json.dumps(arguments)
        if any(p(new_text) and f == "malformed" for p, f in self.faults):
            args_text = args_text[: len(args_text) // 2]  # cut mid-object: not JSON
        reply = {
            "id": f"chatcmpl-stub-{number}", "object": "chat.completion", "created": 0, "model": self.model,
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": None,
                "reasoning_content": f"The new turn calls for {name}.",
                "tool_calls": [{"id": f"chatcmpl-tool-{number}", "type": "function",
                                "function": {"name": name, "arguments": args_text}}]}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 20 + len(args_text) // 4,
                      "total_tokens": prompt_tokens + 20 + len(args_text) // 4,
                      "prompt_tokens_details": {"cached_tokens": cached_tokens}},
        }
        out = json.dumps(reply).encode()
        if any(p(new_text) and f == "truncated" for p, f in self.faults):
            out = out[: len(out) // 2]
        with self._lock:
            self.counts["prompt_tokens"] += prompt_tokens
            self.counts["cached_tokens"] += cached_tokens
            self.counts[name] += 1
        return 200, out, {}

    def reset_stats(self) -> None:
        with self._lock:
            self.counts.clear()
            self.max_in_flight = 0
            self.new_turns.clear()
        self.cache = PrefixCache()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    """Serve until killed, in a process of its own (bench/model_bench.py): prints the URL."""
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--rate-limit-every", type=int, default=0)
    args = parser.parse_args()
    stub = MemReaderStub(latency_s=args.latency, rate_limit_every=args.rate_limit_every)
    print(stub.url, flush=True)
    try:
        for line in sys.stdin:  # "reset" between runs; EOF ends it
            if line.strip() == "reset":
                stub.reset_stats()
                print("ok", flush=True)
    finally:
        stub.close()


if __name__ == "__main__":
    main()
