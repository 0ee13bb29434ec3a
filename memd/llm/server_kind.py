"""Which kind of model server memd talks to, and how many requests it should have in flight.

Batching servers (vLLM, SGLang) are built to decode dozens of sequences at once: one request
at a time leaves them nearly idle. Desktop servers (llama.cpp, Ollama, LM Studio) run a few
slots at most; more requests only queue there (or come back as 503). mlx in process decodes one
stream at a time. `[llm] concurrency` overrides the default; `[llm] server_kind` names the kind
when it cannot be told from the server.

The kind is read from what the server says about itself (GET /models: `owned_by`, extra keys
some servers add) and, failing that, from the port each one listens on by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

VLLM, SGLANG, LLAMACPP, OLLAMA, LMSTUDIO, MLX, UNKNOWN = (
    "vllm", "sglang", "llama.cpp", "ollama", "lmstudio", "mlx", "unknown")
KINDS = (VLLM, SGLANG, LLAMACPP, OLLAMA, LMSTUDIO, MLX, UNKNOWN)

DEFAULT_CONCURRENCY = {VLLM: 32, SGLANG: 32, LLAMACPP: 4, OLLAMA: 4, LMSTUDIO: 4, MLX: 1, UNKNOWN: 8}
MAX_CONCURRENCY = 256  # beyond this a client thread per request costs more than it brings

# Default ports: vLLM 8000, SGLang 30000, llama.cpp server 8080, Ollama 11434, LM Studio 1234.
_PORTS = {8000: VLLM, 30000: SGLANG, 8080: LLAMACPP, 11434: OLLAMA, 1234: LMSTUDIO}
_OWNERS = {"vllm": VLLM, "sglang": SGLANG, "llamacpp": LLAMACPP, "llama.cpp": LLAMACPP, "ollama": OLLAMA,
           "library": OLLAMA, "organization_owner": LMSTUDIO, "lmstudio": LMSTUDIO}


def kind_from_models(body: Any) -> str | None:
    """The kind a GET /models answer names, or None. vLLM and SGLang say `owned_by: vllm|sglang`;
    Ollama says `library`; llama.cpp adds `meta.n_ctx_train`; LM Studio `organization_owner`."""
    if not isinstance(body, Mapping):
        return None
    data = body.get("data")
    if not isinstance(data, list):
        return None
    for entry in data:
        if not isinstance(entry, Mapping):
            continue
        owner = str(entry.get("owned_by") or "").lower()
        if owner in _OWNERS:
            return _OWNERS[owner]
        meta = entry.get("meta")
        if isinstance(meta, Mapping) and "n_ctx_train" in meta:
            return LLAMACPP
    return None


def kind_from_url(base_url: str) -> str:
    try:
        port = urlparse(base_url).port
    except ValueError:
        return UNKNOWN
    return _PORTS.get(port or 0, UNKNOWN)


def detect_kind(base_url: str, *, models_body: Any = None) -> str:
    """The server's kind: from its /models answer when that says, else from the port."""
    return kind_from_models(models_body) or kind_from_url(base_url)


def probe_kind(base_url: str, *, timeout_s: float = 3.0, headers: Mapping[str, str] | None = None) -> str:
    """detect_kind after asking the server (GET /models); a server that does not answer is
    judged by its port alone (the import itself will say it is down)."""
    import httpx

    try:
        reply = httpx.get(base_url.rstrip("/") + "/models", timeout=timeout_s, headers=dict(headers or {}))
        body = reply.json() if reply.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        body = None
    return detect_kind(base_url, models_body=body)


def default_concurrency(kind: str) -> int:
    return DEFAULT_CONCURRENCY.get(kind, DEFAULT_CONCURRENCY[UNKNOWN])


def resolve_concurrency(backend: str, configured: Any, kind: str | None) -> tuple[int, str]:
    """(requests in flight, why) for extract.backend `backend` with `[llm] concurrency`
    `configured` (0 or unset: the server kind's default)."""
    if backend == "mlx":
        return 1, "mlx runs in this process, one stream at a time (prompt cache)"
    if isinstance(configured, int) and not isinstance(configured, bool) and configured > 0:
        return min(configured, MAX_CONCURRENCY), "llm.concurrency"
    kind = kind or UNKNOWN
    return default_concurrency(kind), f"default for a {kind} server"
