"""Fixtures for the model layer: a real HTTP server replaying recorded responses, and a tiny
random mlx model built from scratch in a temp folder (no weights are ever downloaded)."""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from memd.llm.calllog import CallLog

RECORDINGS = Path(__file__).parent / "recordings"


def load_recording(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    @classmethod
    def from_recording(cls, rec: dict[str, Any], *, delay_s: float = 0.0) -> Reply:
        body = rec["body_text"].encode() if "body_text" in rec else json.dumps(rec["body"]).encode()
        return cls(status=rec["status"], body=body, headers=dict(rec.get("headers", {})), delay_s=delay_s)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


class StubServer:
    """An OpenAI-compatible endpoint on 127.0.0.1 that answers each POST with the next queued reply."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Received] = []
        self.models: list[str] = ["MemReader-4B-thinking"]  # what GET /models lists
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = None
                stub.requests.append(Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, parsed))
                reply = stub.replies.popleft() if stub.replies else Reply(500, b'{"error": "stub: no reply queued"}')
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply.body)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def do_GET(self) -> None:  # noqa: N802 - GET /v1/models, as every OpenAI-compatible server has
                stub.requests.append(Received("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, None))
                if self.path.rstrip("/").endswith("/models"):
                    body = json.dumps({"object": "list", "data": [{"id": m, "object": "model", "owned_by": "stub"}
                                                                  for m in stub.models]}).encode()
                    status = 200
                else:
                    body, status = b'{"error": "not found"}', 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def queue(self, *items: str | dict[str, Any] | Reply, delay_s: float = 0.0) -> None:
        """Queue replies: a recording name, a recording dict, or a Reply."""
        for item in items:
            if isinstance(item, Reply):
                self.replies.append(item)
            else:
                rec = load_recording(item) if isinstance(item, str) else item
                self.replies.append(Reply.from_recording(rec, delay_s=delay_s))

    def queue_reply(self, status: int, body: Any, *, headers: dict[str, str] | None = None, delay_s: float = 0.0) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies.append(Reply(status, data, dict(headers or {}), delay_s))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def stub():
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def refused_url():
    """A URL on a port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def vllm_call(name: str, arguments: dict[str, Any] | str, *, reasoning: str | None = None, finish: str = "tool_calls") -> dict[str, Any]:
    """A vLLM-shaped recording (from vllm_hermes_reasoning) carrying the given call."""
    rec = copy.deepcopy(load_recording("vllm_hermes_reasoning"))
    message = rec["body"]["choices"][0]["message"]
    message["tool_calls"][0]["function"] = {
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
    }
    message["reasoning_content"] = reasoning
    rec["body"]["choices"][0]["finish_reason"] = finish
    return rec


def vllm_text(content: str, *, finish: str = "stop") -> dict[str, Any]:
    """A vLLM-shaped recording whose reply is only text (no parsed tool calls)."""
    rec = copy.deepcopy(load_recording("vllm_hermes_reasoning"))
    message = rec["body"]["choices"][0]["message"]
    message["tool_calls"] = []
    message["content"] = content
    message["reasoning_content"] = None
    rec["body"]["choices"][0]["finish_reason"] = finish
    return rec


@pytest.fixture
def recording():
    return load_recording


@pytest.fixture
def make_vllm_call():
    return vllm_call


@pytest.fixture
def make_vllm_text():
    return vllm_text


# --- a tiny random mlx model -------------------------------------------------------------

# A Hermes-style template written for these tests: it renders the tools, earlier tool calls
# (arguments as objects) and tool results, and opens the assistant turn.
TINY_CHAT_TEMPLATE = """\
{%- if messages and messages[0].role == 'system' %}{% set system = messages[0].content %}{% set rest = messages[1:] %}\
{%- else %}{% set system = '' %}{% set rest = messages %}{% endif -%}
<|im_start|>system
{{ system }}
{%- if tools %}

You can call these tools:
<tools>
{%- for tool in tools %}
{{ tool | tojson }}
{%- endfor %}
</tools>
Call one with <tool_call>{"name": ..., "arguments": {...}}</tool_call>
{%- endif %}<|im_end|>
{% for message in rest -%}
{%- if message.role == 'tool' -%}
<|im_start|>user
<tool_response>
{{ message.content }}
</tool_response><|im_end|>
{% elif message.role == 'assistant' -%}
<|im_start|>assistant
{{ message.content }}
{%- for call in message.tool_calls or [] %}
<tool_call>
{"name": {{ call.function.name | tojson }}, "arguments": {{ call.function.arguments | tojson }}}
</tool_call>
{%- endfor %}<|im_end|>
{% else -%}
<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% endif -%}
{%- endfor -%}
{%- if add_generation_prompt %}<|im_start|>assistant
{% if enable_thinking is defined and enable_thinking %}<think>
{% endif %}{% endif -%}
"""

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "</tool_call>"]


def build_tiny_model(folder: Path) -> Path:
    """A 2-layer qwen3 with random weights and a byte-level BPE tokenizer, saved as mlx loads it."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.models import qwen3
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    corpus = [
        "You are a memory extraction agent. Please analyze the following conversation and decide what to store.",
        '{"type": "function", "function": {"name": "add_memory", "description": "Extract and store memories."}}',
        "search_memory buffer_memory ignore_memory memory_list memory_type LongTermMemory UserMemory tags summary",
    ]
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "eos_token": "<|im_end|>",
                "pad_token": "<|endoftext|>",
                "bos_token": None,
                "model_max_length": 32768,
                "chat_template": TINY_CHAT_TEMPLATE,
            }
        )
    )
    config = {
        "model_type": "qwen3",
        "architectures": ["Qwen3ForCausalLM"],
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "intermediate_size": 64,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 8,
        "rms_norm_eps": 1e-6,
        "vocab_size": tokenizer.get_vocab_size(),
        "max_position_embeddings": 32768,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
    }
    (folder / "config.json").write_text(json.dumps(config))
    args = {k: v for k, v in config.items() if k != "architectures"}
    mx.random.seed(7)
    model = qwen3.Model(qwen3.ModelArgs(**args))
    mx.save_safetensors(str(folder / "model.safetensors"), dict(tree_flatten(model.parameters())))
    return folder


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    pytest.importorskip("mlx.core", reason="the mlx extra is not installed (pip install 'memd-vault[mlx]')")
    pytest.importorskip("mlx_lm", reason="the mlx extra is not installed (pip install 'memd-vault[mlx]')")
    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen3"))


@pytest.fixture
def calllog(tmp_path):
    """The model-call log every test model writes to (a real SQLite file)."""
    log = CallLog(tmp_path / "state.db")
    yield log
    log.close()
